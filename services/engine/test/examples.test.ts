/**
 * The LiveSynchronization examples of the upstream documentation, read from packages/api's
 * fixtures (its YAML with only the apiVersion changed, docs/upstream-examples.md), run end to end
 * on JetStream.
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { AppsV1Api } from "@kubernetes/client-node";
import { afterAll, afterEach, describe, expect, inject, it } from "vitest";
import { parseManifests, type LiveSynchronization } from "@livesync/api";
import { eventually, kubeConfigFor } from "@livesync/testkit";
import { deployment, EngineTestbed, uniq } from "../src/testing.js";

const env = inject("testenv");
const src = kubeConfigFor(env, "source");
const dst = kubeConfigFor(env, "destination");
const srcApps = src.makeApiClient(AppsV1Api);
const dstApps = dst.makeApiClient(AppsV1Api);
const bed = new EngineTestbed(env, "example");
const { srcCore, dstCore } = bed;

afterEach(() => bed.stopEngine());
afterAll(() => bed.removeNamespaces());

function exampleLiveSync(fixture: string): LiveSynchronization {
  const file = resolve(import.meta.dirname, "../../../packages/api/src/fixtures", fixture);
  const doc = parseManifests(readFileSync(file, "utf8"), file)
    .map((d) => d.doc as { kind?: string })
    .find((d) => d.kind === "LiveSynchronization");
  return doc as LiveSynchronization;
}

async function run(fixture: string) {
  const ls = exampleLiveSync(fixture);
  await bed.start([{ name: uniq("example"), resources: ls.spec.config.replication.resources }], {
    natsUrl: env.nats.url,
    stream: uniq("EXAMPLE").toUpperCase().replace(/-/g, "_"),
  });
}

const ns = (labels: Record<string, string> = {}) => bed.namespace(labels);

const absent = async (read: () => Promise<unknown>) =>
  read().then(
    () => false,
    (e: { code?: number }) => e.code === 404,
  );
const settle = () => new Promise((r) => setTimeout(r, 1_500));

describe("the upstream documentation's examples", () => {
  it("Filters / Name selector: only ConfigMaps matching config.*", async () => {
    const n = await ns();
    await srcCore.createNamespacedConfigMap({
      namespace: n,
      body: { metadata: { name: "config-app" }, data: { a: "1" } },
    });
    await srcCore.createNamespacedConfigMap({
      namespace: n,
      body: { metadata: { name: "app-config" }, data: { a: "1" } },
    });
    await run("example-filter-name-regex.yaml");
    await eventually(() => dstCore.readNamespacedConfigMap({ name: "config-app", namespace: n }), {
      what: "config-app",
    });
    await settle();
    expect(
      await absent(() => dstCore.readNamespacedConfigMap({ name: "app-config", namespace: n })),
    ).toBe(true);
    // kube-root-ca.crt exists in every namespace and is never copied (the destination makes its own).
    const rootCa = await dstCore
      .readNamespacedConfigMap({ name: "kube-root-ca.crt", namespace: n })
      .catch(() => undefined);
    expect(rootCa?.metadata?.annotations?.["livesync.dev/live-synchronization"]).toBeUndefined();
  });

  it("Filters / selector: only Deployments labelled disaster-recovery: enabled", async () => {
    const n = await ns();
    await srcApps.createNamespacedDeployment({
      namespace: n,
      body: deployment("in", { "disaster-recovery": "enabled" }, 2),
    });
    await srcApps.createNamespacedDeployment({ namespace: n, body: deployment("out", {}, 2) });
    await run("example-filter-selector.yaml");
    await eventually(() => dstApps.readNamespacedDeployment({ name: "in", namespace: n }), {
      what: "deployment in",
    });
    await settle();
    expect(
      await absent(() => dstApps.readNamespacedDeployment({ name: "out", namespace: n })),
    ).toBe(true);
  });

  it("Transformations: replicas 0 and strategy removed in the destination, source untouched", async () => {
    const n = await ns();
    await srcApps.createNamespacedDeployment({ namespace: n, body: deployment("web", {}, 2) });
    await run("example-transformation.yaml");
    const copy = await eventually(
      () => dstApps.readNamespacedDeployment({ name: "web", namespace: n }),
      {
        what: "deployment web",
      },
    );
    expect(copy.spec?.replicas).toBe(0);
    expect(copy.spec?.strategy?.type).toBe("RollingUpdate"); // removed, so the destination's default
    const original = await srcApps.readNamespacedDeployment({ name: "web", namespace: n });
    expect(original.spec?.replicas).toBe(2);
    expect(original.spec?.strategy?.type).toBe("Recreate");
  });

  it("Recovering from a Bucket: deployments, services and secrets by namespace label", async () => {
    const pre = await ns({ env: "pre" });
    const second = await ns({ env: "pre-second" });
    for (const n of [pre, second]) {
      await srcApps.createNamespacedDeployment({ namespace: n, body: deployment("api", {}, 2) });
      await srcCore.createNamespacedService({
        namespace: n,
        body: {
          metadata: { name: "api" },
          spec: { type: "NodePort", selector: { app: "api" }, ports: [{ port: 80 }] },
        },
      });
      await srcCore.createNamespacedSecret({
        namespace: n,
        body: { metadata: { name: "db" }, stringData: { pw: "x" } },
      });
    }
    await run("example-bucket-gcp.yaml");
    for (const n of [pre, second]) {
      const d = await eventually(
        () => dstApps.readNamespacedDeployment({ name: "api", namespace: n }),
        { what: `api in ${n}` },
      );
      expect(d.spec?.replicas).toBe(0);
      const svc = await eventually(
        () => dstCore.readNamespacedService({ name: "api", namespace: n }),
        { what: `service in ${n}` },
      );
      const srcSvc = await srcCore.readNamespacedService({ name: "api", namespace: n });
      // The destination allocates its own clusterIP and nodePort.
      expect(svc.spec?.clusterIP).toMatch(/^10\.0\.0\.\d+$/);
      expect(svc.spec?.ports?.[0]?.nodePort).toBeGreaterThan(0);
      expect(svc.metadata?.annotations?.["livesync.dev/source-uid"]).toBe(srcSvc.metadata?.uid);
    }
    const secret = await eventually(
      () => dstCore.readNamespacedSecret({ name: "db", namespace: pre }),
      { what: "secret in pre" },
    );
    expect(Buffer.from(secret.data?.pw ?? "", "base64").toString()).toBe("x");
    await settle();
    // Secrets are selected for env: pre only.
    expect(
      await absent(() => dstCore.readNamespacedSecret({ name: "db", namespace: second })),
    ).toBe(true);
  });
});
