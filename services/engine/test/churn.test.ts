/**
 * Replication under churn: about 140 objects of five kinds (Deployments and StatefulSets
 * whose copies the destination's controllers keep writing status on, Services whose copies get
 * their own clusterIP, ConfigMaps, custom resources), bursts of concurrent updates, deletes and
 * re-creations under the same name, all while replicating. Then, within a bounded time and
 * without a resync or reconcile pass, the destination must equal the transformed source object
 * by object.
 */
import type { PatchOperation } from "@livesync/api";
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from "vitest";
import { Engine } from "../src/index.js";
import { manifestsFor, uniq } from "../src/testing.js";
import {
  Api,
  buses,
  CONFIGMAPS,
  converge,
  crdFor,
  customKind,
  DEPLOYMENTS,
  differences,
  expectNoFailures,
  liveSyncKey,
  replicated,
  SERVICES,
  sleep,
  STATEFULSETS,
  type Kind,
  type RawObject,
} from "./convergence.js";

const env = inject("testenv");
const group = `${uniq("churn").replace("-", "")}.livesync.test`;
const WIDGETS = customKind(group, "Widget", "widgets");
const widgetCrd = crdFor(group, "Widget", "widgets");
let src: Api;
let dst: Api;
const namespaces: string[] = [];
let engine: Engine | undefined;

beforeAll(async () => {
  src = await Api.connect(env, "source");
  dst = await Api.connect(env, "destination");
  // The custom resource's CRD exists in both clusters before livesync starts (not replicated).
  await Promise.all([src.establish(widgetCrd), dst.establish(widgetCrd)]);
});
afterEach(async () => {
  await engine?.stop();
  engine = undefined;
});
afterAll(async () => {
  for (const api of [src, dst]) {
    for (const name of namespaces) await api.deleteNamespace(name);
    await api.deleteCrd(widgetCrd.metadata.name);
    api.close();
  }
});

/** A kind under churn: how many objects, what one looks like, what one update changes. */
interface Churned {
  kind: Kind;
  count: number;
  body: (name: string, v: number) => RawObject;
  update: (round: number) => PatchOperation[];
}

const metadata = (name: string, v: number) => ({
  name,
  labels: { app: name, generation: `g${v}` },
  annotations: { note: `created with v${v}` },
});
const podTemplate = (name: string, v: number) => ({
  metadata: { labels: { app: name } },
  spec: { containers: [{ name: "app", image: `nginx:1.${v}` }] },
});
const setImage = (round: number): PatchOperation[] => [
  { op: "replace", path: "/spec/template/spec/containers/0/image", value: `nginx:2.${round}` },
];

const CHURNED: Churned[] = [
  {
    kind: DEPLOYMENTS,
    count: 36,
    body: (name, v) => ({
      metadata: metadata(name, v),
      spec: {
        replicas: 1,
        strategy: { type: "Recreate" },
        selector: { matchLabels: { app: name } },
        template: podTemplate(name, v),
      },
    }),
    update: setImage,
  },
  {
    kind: STATEFULSETS,
    count: 30,
    body: (name, v) => ({
      metadata: metadata(name, v),
      spec: {
        replicas: 1,
        serviceName: name,
        selector: { matchLabels: { app: name } },
        template: podTemplate(name, v),
      },
    }),
    update: setImage,
  },
  {
    kind: SERVICES,
    count: 24,
    body: (name, v) => ({
      metadata: metadata(name, v),
      spec: {
        type: "ClusterIP",
        selector: { app: name },
        ports: [{ name: "http", port: 80, targetPort: 8000 + v, protocol: "TCP" }],
      },
    }),
    update: (round) => [{ op: "replace", path: "/spec/ports/0/targetPort", value: 9000 + round }],
  },
  {
    kind: CONFIGMAPS,
    count: 30,
    body: (name, v) => ({
      metadata: metadata(name, v),
      data: { v: `${v}`, payload: "x".repeat(64) },
    }),
    update: (round) => [
      { op: "add", path: "/data/v", value: `round ${round}` },
      { op: "add", path: `/data/round-${round}`, value: "y".repeat(32) },
    ],
  },
  {
    kind: WIDGETS,
    count: 12,
    body: (name, v) => ({ metadata: metadata(name, v), spec: { size: v, color: "red" } }),
    update: (round) => [
      { op: "replace", path: "/spec/size", value: 100 + round },
      { op: "add", path: "/spec/color", value: round % 2 ? "blue" : "green" },
    ],
  },
];
/** Objects per kind that appear only during the churn. */
const LATE = 2;
const ROUNDS = 5;

describe.each(buses(env))("churn on %s", (bus, busOptions) => {
  it("leaves every copy equal to its transformed source, promptly", async () => {
    const ns = uniq("churn");
    await src.createNamespace(ns, { "e2e-run": ns });
    namespaces.push(ns);
    const objects = CHURNED.flatMap((c) =>
      Array.from({ length: c.count + LATE }, (_, i) => ({
        c,
        i,
        name: `${c.kind.kind.toLowerCase()}-${i}`,
        late: i >= c.count,
      })),
    );
    type Obj = (typeof objects)[number];
    const alive = new Set<Obj>();
    let writes = 0;
    const create = async (o: Obj, v: number) => {
      if (alive.has(o)) return;
      await src.create(o.c.kind, ns, o.c.body(o.name, v));
      alive.add(o);
      writes++;
    };
    const remove = async (o: Obj) => {
      if (!alive.has(o)) return;
      alive.delete(o);
      await src.delete(o.c.kind, ns, o.name);
      writes++;
    };
    const update = async (o: Obj, round: number) => {
      if (!alive.has(o)) return;
      await src.patch(o.c.kind, ns, o.name, [
        { op: "add", path: "/metadata/labels/round", value: `r${round}` },
        { op: "add", path: "/metadata/annotations/note", value: `updated in round ${round}` },
        ...o.c.update(round),
      ]);
      writes++;
    };
    await Promise.all(objects.filter((o) => !o.late).map((o) => create(o, 1)));

    const name = uniq("churn");
    const liveSync = liveSyncKey(name);
    const inNamespace = { namespaceSelector: { matchLabels: { "e2e-run": ns } } };
    engine = await Engine.start(
      manifestsFor(env, [{ name, resources: CHURNED.map((c) => replicated(c.kind, inNamespace)) }]),
      busOptions(),
    );
    const compare = async () =>
      (
        await Promise.all(
          CHURNED.map((c) => differences(src, dst, c.kind, { liveSync, namespace: ns })),
        )
      ).flat();
    const initialMs = await converge("the initial copies", compare, {
      timeoutMs: 60_000,
      engine,
      liveSync,
    });

    // Bursts 0.3 s apart: every live object is updated in every round, all at once, and some
    // come and go in the same burst.
    const churnStarted = Date.now();
    writes = 0;
    for (let round = 1; round <= ROUNDS; round++) {
      await Promise.all(
        objects.map(async (o) => {
          if (round === 1 && o.late) return create(o, 10 + round); // new during the churn
          if (round === 2 && o.i % 6 === 0) return remove(o); // gone, some until round 4
          if (round === 3 && o.i % 6 === 3) {
            await remove(o); // and back at once under the same name: a new uid
            return create(o, 10 + round);
          }
          if (round === 4 && o.i % 12 === 0) return create(o, 10 + round);
          if (round === 5 && o.i % 6 === 5) return remove(o); // deleted in the last burst
          return update(o, round);
        }),
      );
      await sleep(300);
    }
    const churnMs = Date.now() - churnStarted;

    const ms = await converge("the destination to equal the transformed source", compare, {
      timeoutMs: 45_000,
      engine,
      liveSync,
    });
    const perKind = CHURNED.map(
      (c) => `${[...alive].filter((o) => o.c === c).length} ${c.kind.resource}`,
    ).join(", ");
    console.log(
      `churn on ${bus}: initial ${objects.length - LATE * CHURNED.length} copies in ${initialMs} ms; ` +
        `${writes} source writes in ${ROUNDS} bursts over ${churnMs} ms; ` +
        `${alive.size} objects (${perKind}) equal in the destination ${ms} ms after the last burst`,
    );
    await expectNoFailures(engine, liveSync);
    // The comparison was not vacuous: the source holds exactly what the test left alive.
    for (const c of CHURNED) {
      const names = (await src.list(c.kind, ns))
        .map((o) => o.metadata.name)
        .filter((n) => !c.kind.ignored?.includes(n));
      const expected = [...alive].filter((o) => o.c === c).map((o) => o.name);
      expect(names.sort()).toEqual(expected.sort());
    }
  }, 180_000);
});
