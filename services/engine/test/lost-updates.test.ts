/**
 * Issue 15's repro: updates lost under churn. Ten Deployments updated five times at once while
 * the destination's deployment controller writes status on their copies; three CRDs created
 * together while the destination's apiextensions controller writes their status. Every copy
 * must reach the source's last version promptly, not after a resync.
 */
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from "vitest";
import { Engine } from "../src/index.js";
import { deployment, manifestsFor, uniq } from "../src/testing.js";
import {
  Api,
  buses,
  converge,
  CRDS,
  crdFor,
  DEPLOYMENTS,
  differences,
  expectNoFailures,
  liveSyncKey,
  replicated,
  sleep,
} from "./convergence.js";
import { connectSourceAndDestination, removeMadeAndClose } from "./source-and-destination.js";

const env = inject("testenv");
let src: Api;
let dst: Api;
const namespaces: string[] = [];
const crds: string[] = [];
let engine: Engine | undefined;

beforeAll(async () => {
  [src, dst] = await connectSourceAndDestination(env);
});
afterEach(async () => {
  await engine?.stop();
  engine = undefined;
});
afterAll(async () => {
  await removeMadeAndClose([src, dst], { namespaces, crds });
});

const TEN = Array.from({ length: 10 }, (_, i) => `d${i + 1}`);

describe.each(buses(env))("lost updates on %s", (bus, busOptions) => {
  it("ten Deployments updated five times at once all end at the last image", async () => {
    const ns = uniq("lost");
    await src.createNamespace(ns, { "e2e-run": ns });
    namespaces.push(ns);
    await Promise.all(TEN.map((d) => src.create(DEPLOYMENTS, ns, deployment(d))));
    const name = uniq("lost");
    const liveSync = liveSyncKey(name);
    engine = await Engine.start(
      manifestsFor(env, [
        {
          name,
          resources: [
            replicated(DEPLOYMENTS, { namespaceSelector: { matchLabels: { "e2e-run": ns } } }),
          ],
        },
      ]),
      busOptions(),
    );
    const compare = () => differences(src, dst, DEPLOYMENTS, { liveSync, namespace: ns });
    await converge("the ten copies to arrive", compare, { timeoutMs: 30_000, engine, liveSync });

    // `kubectl set image deploy/d$i nginx=nginx:$v.0` for all ten at once, v = 2..6, 0.3 s apart.
    for (let v = 2; v <= 6; v++) {
      await Promise.all(
        TEN.map((d) =>
          src.patch(DEPLOYMENTS, ns, d, [
            {
              op: "replace",
              path: "/spec/template/spec/containers/0/image",
              value: `nginx:${v}.0`,
            },
          ]),
        ),
      );
      await sleep(300);
    }
    const images = await Promise.all(
      TEN.map(async (d) => {
        const o = await src.get(DEPLOYMENTS, ns, d);
        return (o.spec as { template: { spec: { containers: { image: string }[] } } }).template.spec
          .containers[0]?.image;
      }),
    );
    expect(images).toEqual(TEN.map(() => "nginx:6.0"));

    // Copies equal the source (so nginx:6.0, replicas 0 by the transformation) and record its
    // resourceVersion.
    const ms = await converge("every copy to reach nginx:6.0", compare, {
      timeoutMs: 30_000,
      engine,
      liveSync,
    });
    console.log(`lost updates (${bus}): ten Deployments converged ${ms} ms after the last round`);
    await expectNoFailures(engine, liveSync);
  }, 90_000);

  it("three CRDs created together, then updated at once, all end at the source's version", async () => {
    const run = uniq("lost").replace("-", "");
    const kinds = ["Widget", "Gadget", "Gizmo"];
    const groups = kinds.map((k) => `${k.toLowerCase()}.${run}.livesync.test`);
    const bodies = kinds.map((k, i) => crdFor(groups[i]!, k, `${k.toLowerCase()}s`));
    const names = bodies.map((b) => b.metadata.name);
    crds.push(...names);
    const name = uniq("lostcrd");
    const liveSync = liveSyncKey(name);
    engine = await Engine.start(
      manifestsFor(env, [
        {
          name,
          resources: [
            replicated(CRDS, { nameSelector: { regex: [`.*\\.${run}\\.livesync\\.test`] } }),
          ],
        },
      ]),
      busOptions(),
    );
    const compare = () =>
      differences(src, dst, CRDS, { liveSync, names: (n) => names.includes(n) });
    await Promise.all(bodies.map((b) => src.create(CRDS, undefined, b)));
    await converge("the three CRD copies to match the source", compare, {
      timeoutMs: 30_000,
      engine,
      liveSync,
    });

    // Two spec updates of each, all at once: the destination's controller answers each with
    // status writes (NamesAccepted, Established) on the copies.
    await Promise.all(
      names.map((n, i) =>
        src.patch(CRDS, undefined, n, [
          { op: "add", path: "/spec/names/shortNames", value: [`sn${run.slice(-6)}${i}`] },
        ]),
      ),
    );
    await sleep(300);
    await Promise.all(
      names.map((n) =>
        src.patch(CRDS, undefined, n, [
          {
            op: "add",
            path: "/spec/versions/0/schema/openAPIV3Schema/properties/spec/description",
            value: "updated under churn",
          },
        ]),
      ),
    );
    const ms = await converge("the updated CRD copies to match the source", compare, {
      timeoutMs: 30_000,
      engine,
      liveSync,
    });
    console.log(`lost updates (${bus}): three CRDs converged ${ms} ms after the last update`);
    await expectNoFailures(engine, liveSync);
  }, 90_000);
});
