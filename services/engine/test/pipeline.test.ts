/**
 * The replication pipeline end to end: real source and destination apiservers, JetStream (and
 * the in-process bus), the events-listener and the synchronizer as `livesync run` wires them.
 */
import { AppsV1Api } from "@kubernetes/client-node";
import { afterAll, afterEach, describe, expect, inject, it } from "vitest";
import { auditedWrites, eventually, kubeConfigFor, READER_USER } from "@livesync/testkit";
import { Engine } from "../src/index.js";
import { deployment, EngineTestbed, manifestsFor, uniq } from "../src/testing.js";

const env = inject("testenv");
const src = kubeConfigFor(env, "source");
const dst = kubeConfigFor(env, "destination");
const srcApps = src.makeApiClient(AppsV1Api);
const dstApps = dst.makeApiClient(AppsV1Api);
const startedAt = new Date();

const bed = new EngineTestbed(env, "e2e");
const { srcCore, dstCore } = bed;
const namespace = (labels: Record<string, string> = {}) => bed.namespace(labels);

afterEach(() => bed.stopEngine());
afterAll(() => bed.removeNamespaces());

const notFound = (err: unknown) => (err as { code?: number }).code === 404;
async function gone(read: () => Promise<unknown>): Promise<true | undefined> {
  try {
    await read();
    return undefined;
  } catch (err) {
    if (notFound(err)) return true;
    throw err;
  }
}

describe.each([
  [
    "jetstream",
    () => ({ natsUrl: env.nats.url, stream: uniq("E2E").toUpperCase().replace(/-/g, "_") }),
  ],
  ["in-process bus", () => ({})],
])("pipeline on %s", (_bus, busOptions) => {
  it("replicates the documented deployments example: labelled namespaces only, replicas 0", async () => {
    const labelled = await namespace({ "disaster-recovery": "enabled" });
    const other = await namespace();
    await srcApps.createNamespacedDeployment({ namespace: labelled, body: deployment("web") });
    await srcApps.createNamespacedDeployment({ namespace: other, body: deployment("web") });
    await bed.start(
      [
        {
          name: uniq("example"),
          resources: [
            {
              group: "apps",
              version: "v1",
              resource: "deployments",
              transformation: { patch: [{ op: "replace", path: "/spec/replicas", value: 0 }] },
              filters: { namespaceSelector: { matchLabels: { "disaster-recovery": "enabled" } } },
              recoveryProcess: { fromPatch: [{ op: "replace", path: "/spec/replicas", value: 1 }] },
            },
          ],
        },
      ],
      busOptions(),
    );
    const copy = await eventually(
      () => dstApps.readNamespacedDeployment({ name: "web", namespace: labelled }),
      { what: "the deployment to arrive in the destination" },
    );
    expect(copy.spec?.replicas).toBe(0);
    expect(copy.metadata?.annotations?.["livesync.dev/source-uid"]).toBe(
      (await srcApps.readNamespacedDeployment({ name: "web", namespace: labelled })).metadata?.uid,
    );
    expect(
      (await srcApps.readNamespacedDeployment({ name: "web", namespace: labelled })).spec?.replicas,
    ).toBe(3);
    // The unlabelled namespace stays out, until it gets the label.
    await new Promise((r) => setTimeout(r, 1_000));
    expect(
      await gone(() => dstApps.readNamespacedDeployment({ name: "web", namespace: other })),
    ).toBe(true);
    await srcCore.patchNamespace({
      name: other,
      body: [{ op: "add", path: "/metadata/labels", value: { "disaster-recovery": "enabled" } }],
    });
    const late = await eventually(
      () => dstApps.readNamespacedDeployment({ name: "web", namespace: other }),
      {
        what: "a newly labelled namespace's deployment to arrive",
      },
    );
    expect(late.spec?.replicas).toBe(0);
  });

  it("propagates create, update, label removal, delete and re-create of ConfigMaps", async () => {
    const ns = await namespace();
    await bed.start(
      [
        {
          name: uniq("cms"),
          resources: [
            {
              version: "v1",
              resource: "configmaps",
              filters: { nameSelector: { regex: ["config.*"] } },
            },
          ],
        },
      ],
      busOptions(),
    );
    await srcCore.createNamespacedConfigMap({
      namespace: ns,
      body: {
        metadata: {
          name: "config-a",
          labels: { tier: "web", keep: "yes" },
          annotations: { note: "temporary" },
        },
        data: { k: "v1" },
      },
    });
    await srcCore.createNamespacedConfigMap({
      namespace: ns,
      body: { metadata: { name: "other" }, data: { k: "x" } },
    });
    const read = () => dstCore.readNamespacedConfigMap({ name: "config-a", namespace: ns });
    const first = await eventually(read, { what: "config-a to arrive" });
    expect(first.data).toEqual({ k: "v1" });
    expect(first.metadata?.annotations?.note).toBe("temporary");

    await srcCore.replaceNamespacedConfigMap({
      name: "config-a",
      namespace: ns,
      body: { metadata: { name: "config-a", labels: { keep: "yes" } }, data: { k: "v2" } },
    });
    const updated = await eventually(
      async () => {
        const cm = await read();
        return cm.data?.k === "v2" ? cm : undefined;
      },
      { what: "the update to arrive" },
    );
    expect(updated.metadata?.labels).toEqual({ keep: "yes", "livesync.dev/managed": "true" });
    expect(updated.metadata?.annotations?.note).toBeUndefined();

    await srcCore.deleteNamespacedConfigMap({ name: "config-a", namespace: ns });
    await eventually(() => gone(read), { what: "the delete to propagate" });

    await srcCore.createNamespacedConfigMap({
      namespace: ns,
      body: { metadata: { name: "config-a" }, data: { k: "reborn" } },
    });
    const reborn = await eventually(
      async () => {
        const cm = await read().catch(() => undefined);
        return cm?.data?.k === "reborn" ? cm : undefined;
      },
      { what: "the re-created ConfigMap to arrive" },
    );
    const sourceUid = (await srcCore.readNamespacedConfigMap({ name: "config-a", namespace: ns }))
      .metadata?.uid;
    expect(reborn.metadata?.annotations?.["livesync.dev/source-uid"]).toBe(sourceUid);
    // Not selected by the name regex: never copied.
    expect(
      await gone(() => dstCore.readNamespacedConfigMap({ name: "other", namespace: ns })),
    ).toBe(true);
  });

  it("never touches a destination object it did not create, and reports the conflict", async () => {
    const ns = await namespace();
    await dstCore.createNamespace({ body: { metadata: { name: ns } } });
    await dstCore.createNamespacedConfigMap({
      namespace: ns,
      body: { metadata: { name: "config-mine" }, data: { owner: "someone else" } },
    });
    await srcCore.createNamespacedConfigMap({
      namespace: ns,
      body: { metadata: { name: "config-mine" }, data: { owner: "source" } },
    });
    const name = uniq("conflict");
    const engine = await bed.start(
      [
        {
          name,
          resources: [
            {
              version: "v1",
              resource: "configmaps",
              filters: { nameSelector: { regex: ["config-mine"] } },
            },
          ],
        },
      ],
      busOptions(),
    );
    const status = await eventually(
      async () => {
        const s = (await engine.status()).find((x) => x.liveSync.endsWith(`/${name}`));
        return s && s.conflicts > 0 ? s : undefined;
      },
      { what: "the conflict to be reported" },
    );
    expect(status.problems.join("\n")).toContain("config-mine");
    const cm = await dstCore.readNamespacedConfigMap({ name: "config-mine", namespace: ns });
    expect(cm.data).toEqual({ owner: "someone else" });
  });
});

describe("bad input", () => {
  it("reports an unknown resource by its path while the LiveSynchronization's other resources replicate", async () => {
    const ns = await namespace();
    const name = uniq("unknown");
    const engine = await bed.start([
      {
        name,
        resources: [
          {
            version: "v1",
            resource: "configmaps",
            filters: { nameSelector: { regex: ["still-.*"] } },
          },
          { group: "apps", version: "v1", resource: "deploymentz" },
        ],
      },
    ]);
    await srcCore.createNamespacedConfigMap({
      namespace: ns,
      body: { metadata: { name: "still-works" }, data: { a: "1" } },
    });
    await eventually(
      () => dstCore.readNamespacedConfigMap({ name: "still-works", namespace: ns }),
      {
        what: "the other resource to replicate",
      },
    );
    const status = (await engine.status()).find((s) => s.liveSync.endsWith(`/${name}`))!;
    expect(status.state).toBe("running");
    expect(status.problems.join("\n")).toMatch(
      /spec\.config\.replication\.resources\[1\]: unknown resource apps\/v1\/deploymentz/,
    );
  });
});

describe("source cluster", () => {
  it("received no write from livesync (apiserver audit log)", async () => {
    const writes = auditedWrites(env.clusters.source!, READER_USER, startedAt);
    expect(writes).toEqual([]);
    // And the audit log does see that user: it listed and watched (reads are not logged, so
    // prove the log works by the test's own writes as admin).
    expect(auditedWrites(env.clusters.source!, "admin", startedAt).length).toBeGreaterThan(0);
  });
});

describe("replicas", () => {
  it("run one active events-listener per LiveSynchronization; a standby takes over", async () => {
    const ns = await namespace();
    const m = manifestsFor(env, [
      {
        name: uniq("ha"),
        resources: [
          {
            version: "v1",
            resource: "configmaps",
            filters: { nameSelector: { regex: ["ha-.*"] } },
          },
        ],
      },
    ]);
    const opts = {
      natsUrl: env.nats.url,
      stream: uniq("HA").toUpperCase().replace(/-/g, "_"),
      leaseDurationSeconds: 2,
    };
    const a = await Engine.start(m, opts);
    const b = await Engine.start(m, opts);
    try {
      const states = async () => [(await a.status())[0]?.state, (await b.status())[0]?.state];
      const [sa] = await eventually(
        async () => {
          const s = await states();
          return [...s].sort().join() === "running,standby" ? s : undefined;
        },
        { what: "one running and one standby listener" },
      );
      const [leader, standby] = sa === "running" ? [a, b] : [b, a];
      const arrive = (name: string) =>
        eventually(() => dstCore.readNamespacedConfigMap({ name, namespace: ns }), {
          what: `${name} to arrive`,
        });
      await srcCore.createNamespacedConfigMap({
        namespace: ns,
        body: { metadata: { name: "ha-1" }, data: { a: "1" } },
      });
      await arrive("ha-1");

      await leader.stop();
      await eventually(
        async () => ((await standby.status())[0]?.state === "running" ? true : undefined),
        {
          what: "the standby to take over",
        },
      );
      await srcCore.createNamespacedConfigMap({
        namespace: ns,
        body: { metadata: { name: "ha-2" }, data: { a: "2" } },
      });
      expect((await arrive("ha-2")).data).toEqual({ a: "2" });
    } finally {
      await a.stop().catch(() => undefined);
      await b.stop().catch(() => undefined);
    }
  });
});
