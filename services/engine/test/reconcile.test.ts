/**
 * Subtractive resync against real clusters: what vanished while nothing ran is pruned, hand
 * edits are repaired, and nothing is pruned from a list that cannot be trusted.
 */
import { readFileSync } from "node:fs";
import { CoreV1Api, RbacAuthorizationV1Api } from "@kubernetes/client-node";
import { afterAll, afterEach, describe, expect, inject, it } from "vitest";
import { eventually, kubeConfigFor, READER_USER } from "@livesync/testkit";
import { ANNOTATIONS } from "@livesync/core";
import { applyObject, Cluster } from "@livesync/kube";
import { FIELD_MANAGER } from "@livesync/core";
import { Engine, type EngineOptions } from "../src/index.js";
import { manifestsFor, uniq } from "../src/testing.js";

const env = inject("testenv");
const src = kubeConfigFor(env, "source");
const dst = kubeConfigFor(env, "destination");
const srcCore = src.makeApiClient(CoreV1Api);
const dstCore = dst.makeApiClient(CoreV1Api);
const namespaces: string[] = [];
const engines: Engine[] = [];
const opts = (): EngineOptions => ({
  natsUrl: env.nats.url,
  stream: uniq("REC").toUpperCase().replace(/-/g, "_"),
  firstReconcileDelayMs: 60 * 60_000, // passes run when a test says so
});

afterEach(async () => {
  for (const e of engines.splice(0)) await e.stop();
});
afterAll(async () => {
  for (const name of namespaces)
    for (const c of [srcCore, dstCore]) await c.deleteNamespace({ name }).catch(() => undefined);
});

async function start(m: Parameters<typeof Engine.start>[0], o: EngineOptions): Promise<Engine> {
  const e = await Engine.start(m, o);
  engines.push(e);
  await eventually(async () => ((await e.status())[0]?.state === "running" ? true : undefined), {
    what: "the listener to run",
  });
  return e;
}

async function namespace(labels: Record<string, string> = {}) {
  const name = uniq("rec");
  await srcCore.createNamespace({ body: { metadata: { name, labels } } });
  namespaces.push(name);
  return name;
}
const cm = (ns: string, name: string, v = "1") =>
  srcCore.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name }, data: { v } } });
const copy = (ns: string, name: string) =>
  dstCore.readNamespacedConfigMap({ name, namespace: ns }).catch(() => undefined);
const arrived = (ns: string, name: string) =>
  eventually(() => dstCore.readNamespacedConfigMap({ name, namespace: ns }), {
    what: `${name} in the destination`,
  });
const SOURCE_RV = ANNOTATIONS.sourceResourceVersion;
/** An engine replicating the ConfigMaps of one name. */
const startForConfigMap = (name: string) =>
  start(
    manifestsFor(env, [
      {
        name: uniq("rec"),
        resources: [
          { version: "v1", resource: "configmaps", filters: { nameSelector: { regex: [name] } } },
        ],
      },
    ]),
    opts(),
  );
const liveSyncOf = async (e: Engine) => (await e.status())[0]!.liveSync;

describe("reconciler", () => {
  it("prunes after a restart what was deleted while nothing ran, and nothing else", async () => {
    const ns = await namespace();
    await cm(ns, "keep");
    await cm(ns, "doomed");
    const m = manifestsFor(env, [
      {
        name: uniq("rec"),
        resources: [
          {
            version: "v1",
            resource: "configmaps",
            filters: { nameSelector: { regex: ["keep", "doomed"] } },
          },
        ],
      },
    ]);
    const o = opts();
    const first = await start(m, o);
    await arrived(ns, "keep");
    await arrived(ns, "doomed");
    await first.stop();
    engines.splice(engines.indexOf(first), 1);

    await srcCore.deleteNamespacedConfigMap({ name: "doomed", namespace: ns });
    // An object of the same kind that livesync did not create must survive.
    await dstCore.createNamespacedConfigMap({
      namespace: ns,
      body: { metadata: { name: "not-ours" }, data: { v: "x" } },
    });

    const second = await start(m, o);
    const report = await second.reconcileNow(await liveSyncOf(second));
    expect(report?.pruned).toBe(1);
    await eventually(async () => ((await copy(ns, "doomed")) === undefined ? true : undefined), {
      what: "the prune",
    });
    expect(await copy(ns, "keep")).toBeDefined();
    expect((await copy(ns, "not-ours"))?.data).toEqual({ v: "x" });
  });

  it("prunes a namespace's copies once the namespace loses its label", async () => {
    const ns = await namespace({ dr: "on" });
    await cm(ns, "app");
    const e = await start(
      manifestsFor(env, [
        {
          name: uniq("rec"),
          resources: [
            {
              version: "v1",
              resource: "configmaps",
              filters: {
                namespaceSelector: { matchLabels: { dr: "on" } },
                nameSelector: { regex: ["app"] },
              },
            },
          ],
        },
      ]),
      opts(),
    );
    await arrived(ns, "app");
    await srcCore.patchNamespace({
      name: ns,
      body: [{ op: "remove", path: "/metadata/labels/dr" }],
    });
    const report = await e.reconcileNow(await liveSyncOf(e));
    expect(report?.pruned).toBe(1);
    await eventually(async () => ((await copy(ns, "app")) === undefined ? true : undefined), {
      what: "the prune",
    });
  });

  it("repairs a copy edited by hand in the destination and counts it", async () => {
    const ns = await namespace();
    await cm(ns, "edited", "source-value");
    const e = await startForConfigMap("edited");
    await arrived(ns, "edited");
    await dstCore.patchNamespacedConfigMap({
      name: "edited",
      namespace: ns,
      body: [{ op: "replace", path: "/data/v", value: "hand-edit" }],
    });
    expect((await copy(ns, "edited"))?.data).toEqual({ v: "hand-edit" });
    const report = await e.reconcileNow(await liveSyncOf(e));
    expect(report?.repaired).toBe(1);
    await eventually(
      async () => ((await copy(ns, "edited"))?.data?.v === "source-value" ? true : undefined),
      {
        what: "the repair",
      },
    );
  });

  it("re-sends the source's state to a copy an update never reached, at the next pass", async () => {
    const ns = await namespace();
    await cm(ns, "behind", "current");
    const e = await startForConfigMap("behind");
    const replicated = await arrived(ns, "behind");
    // A lost update, as livesync itself would have left it: the copy written by livesync's own
    // field manager (so it is no hand edit) with an older value and an older source version.
    const destination = await Cluster.fromKubeConfig("destination", dst);
    const info = await destination.discovery.resolve({
      group: "",
      version: "v1",
      resource: "configmaps",
    });
    const annotations = { ...replicated.metadata!.annotations!, [SOURCE_RV]: "1" };
    await applyObject(
      destination.rest,
      info,
      {
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: {
          name: "behind",
          namespace: ns,
          labels: replicated.metadata!.labels,
          annotations,
        },
        data: { v: "lost" },
      },
      { fieldManager: FIELD_MANAGER, force: true },
    );
    destination.close();
    expect((await copy(ns, "behind"))?.data).toEqual({ v: "lost" });
    const report = await e.reconcileNow(await liveSyncOf(e));
    expect(report).toMatchObject({ stale: 1, repaired: 0, missing: 0, pruned: 0 });
    await eventually(
      async () => ((await copy(ns, "behind"))?.data?.v === "current" ? true : undefined),
      { what: "the stale copy to get the source's current state" },
    );
    const source = await srcCore.readNamespacedConfigMap({ name: "behind", namespace: ns });
    expect((await copy(ns, "behind"))?.metadata?.annotations?.[SOURCE_RV]).toBe(
      source.metadata?.resourceVersion,
    );
  });

  it("prunes nothing when the source list fails (RBAC denied)", async () => {
    // livesync reads the source as a service account whose read access we revoke.
    const ns = await namespace();
    const sa = "livesync-limited";
    await srcCore.createNamespacedServiceAccount({
      namespace: ns,
      body: { metadata: { name: sa } },
    });
    const rbac = src.makeApiClient(RbacAuthorizationV1Api);
    const binding = `${ns}-reader`;
    await rbac.createClusterRoleBinding({
      body: {
        metadata: { name: binding },
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: READER_USER },
        subjects: [{ kind: "ServiceAccount", name: sa, namespace: ns }],
      },
    });
    const { status } = await srcCore.createNamespacedServiceAccountToken({
      name: sa,
      namespace: ns,
      body: { spec: { audiences: [], expirationSeconds: 3600 } },
    });
    const m = manifestsFor(env, [
      {
        name: uniq("rec"),
        resources: [
          {
            version: "v1",
            resource: "configmaps",
            filters: { nameSelector: { regex: ["guarded"] } },
          },
        ],
      },
    ]);
    const kubeconfig = readFileSync(env.clusters.source!.kubeconfig, "utf8").replace(
      /token: .*/,
      `token: ${status!.token}`,
    );
    m.secrets.find((s) => s.metadata.name === "source")!.stringData = {
      "kubeconfig.yaml": kubeconfig,
    };
    await cm(ns, "guarded");
    const o = opts();
    const first = await start(m, o);
    await arrived(ns, "guarded");
    await first.stop();
    engines.splice(engines.indexOf(first), 1);

    // While nothing runs: access revoked, and the source object deleted.
    await rbac.deleteClusterRoleBinding({ name: binding });
    await srcCore.deleteNamespacedConfigMap({ name: "guarded", namespace: ns });
    const second = await Engine.start(m, o);
    engines.push(second);
    const liveSync = await eventually(
      async () => {
        const s = (await second.status())[0];
        return s?.state === "running" ? s.liveSync : undefined;
      },
      { what: "the second engine to lead" },
    );
    const report = await second.reconcileNow(liveSync);
    expect(report?.pruned).toBe(0);
    expect(report?.resources[0]?.refused).toMatch(/source list failed: .*403/);
    expect((await second.status())[0]?.problems.join("\n")).toMatch(
      /reconcile v1\/configmaps: source list failed/,
    );
    await new Promise((r) => setTimeout(r, 1_000));
    expect(await copy(ns, "guarded")).toBeDefined();
  });
});
