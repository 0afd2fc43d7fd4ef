/**
 * The documented disaster day (docs/upstream-examples.md): the real pipeline (events-listener,
 * JetStream, synchronizer, archiver) replicates Deployments into the destination (replicas 0) and
 * archives their originals; the engine is stopped (suspending is the documented advice); then
 * runRecovery runs the LiveSynchronization's Task against the real destination apiserver and the
 * real bucket.
 */
import { AppsV1Api } from "@kubernetes/client-node";
import { afterAll, afterEach, describe, expect, inject, it } from "vitest";
import type { ReplicatedResource } from "@livesync/api";
import { bucketClient } from "@livesync/bucket";
import { ANNOTATIONS, archiveKey, decodeArchiveEntry, MANAGED_LABEL } from "@livesync/core";
import { Cluster, getObject, type KubeObject, type ResourceInfo } from "@livesync/kube";
import { eventually, kubeConfigFor } from "@livesync/testkit";
import { runRecovery, taskFor, type RecoveryStatus } from "../src/index.js";
import {
  BUCKET_NAME,
  deployment,
  EngineTestbed,
  LS_NAMESPACE,
  liveSyncFor,
  uniq,
} from "@livesync/engine/testing";

const env = inject("testenv");
const src = kubeConfigFor(env, "source");
const dst = kubeConfigFor(env, "destination");
const srcApps = src.makeApiClient(AppsV1Api);
const dstApps = dst.makeApiClient(AppsV1Api);
const destination = await Cluster.fromKubeConfig("destination", dst);
const bucket = {
  client: bucketClient({
    endpoint: env.s3.endpoint,
    bucket: env.s3.bucket,
    region: env.s3.region,
    accessKeyID: env.s3.accessKeyID,
    secretAccessKey: env.s3.secretAccessKey,
    forcePathStyle: true,
  }),
  bucketNamespace: LS_NAMESPACE,
  bucketName: BUCKET_NAME,
};
const DEPLOYMENTS: ResourceInfo = {
  group: "apps",
  version: "v1",
  resource: "deployments",
  kind: "Deployment",
  namespaced: true,
  verbs: [],
};
const GVR = { group: "apps", version: "v1", resource: "deployments" };
const SELECT = { namespaceSelector: { matchLabels: { "disaster-recovery": "enabled" } } };
const TO_ZERO = { patch: [{ op: "replace" as const, path: "/spec/replicas", value: 0 }] };

const bed = new EngineTestbed(env, "rec");

afterEach(() => bed.stopEngine());
afterAll(async () => {
  destination.close();
  bucket.client.close();
  await bed.removeNamespaces();
});

type Deploy = KubeObject & { spec: { replicas: number; strategy?: Record<string, unknown> } };
const read = async (ns: string, name: string) =>
  (await getObject(destination.rest, DEPLOYMENTS, ns, name)) as Deploy | undefined;

async function settled(ns: string, name: string) {
  await eventually(
    async () => {
      const d = (await read(ns, name)) as
        (Deploy & { status?: { observedGeneration?: number } }) | undefined;
      return d && d.status?.observedGeneration === d.metadata.generation ? true : undefined;
    },
    { what: `${ns}/${name} observed by the deployment controller` },
  );
}

/**
 * Source namespace (labelled) with the given Deployments, replicated by a LiveSynchronization
 * with `resources` until every copy is in the destination with replicas 0 (and, with a bucket,
 * every original archived); then the engine stops: the disaster.
 */
async function disasterDay(
  resources: ReplicatedResource[],
  deployments: ReturnType<typeof deployment>[],
  withBucket = false,
) {
  const ns = await bed.namespace({ "disaster-recovery": "enabled" });
  for (const body of deployments) await srcApps.createNamespacedDeployment({ namespace: ns, body });
  const ls = liveSyncFor({ name: uniq("rec"), resources, bucket: withBucket });
  await bed.start([ls], {
    natsUrl: env.nats.url,
    stream: uniq("REC").toUpperCase().replace(/-/g, "_"),
  });
  for (const d of deployments) {
    await eventually(
      async () => ((await read(ns, d.metadata.name))?.spec.replicas === 0 ? true : undefined),
      {
        what: `the copy of ${ns}/${d.metadata.name}`,
      },
    );
    if (withBucket) {
      const key = archiveKey({ ...bucket, gvr: GVR, namespace: ns, name: d.metadata.name });
      await eventually(
        async () => {
          const text = await bucket.client.get(key);
          return text && decodeArchiveEntry(text).kind === "object" ? true : undefined;
        },
        { what: `the original at ${key}` },
      );
    }
  }
  await bed.stopEngine();
  // Let the deployment controller settle (status written), so resourceVersions stay put.
  for (const d of deployments) await settled(ns, d.metadata.name);
  return { ns, ls, liveSync: `${LS_NAMESPACE}/${ls.metadata.name}` };
}

describe("runRecovery", () => {
  it("fromPatch (the documented example): every owned copy gets replicas 1; unowned objects untouched", async () => {
    const names = ["web-1", "web-2", "web-3"];
    const { ns, ls, liveSync } = await disasterDay(
      [
        {
          ...GVR,
          transformation: TO_ZERO,
          filters: SELECT,
          recoveryProcess: { fromPatch: [{ op: "replace", path: "/spec/replicas", value: 1 }] },
        },
      ],
      names.map((n) => deployment(n)),
    );
    // Not ours: created directly in the destination, and one "owned" by another LiveSynchronization.
    await dstApps.createNamespacedDeployment({ namespace: ns, body: deployment("local", {}, 0) });
    const foreign = deployment("foreign", { [MANAGED_LABEL]: "true" }, 0);
    await dstApps.createNamespacedDeployment({
      namespace: ns,
      body: {
        ...foreign,
        metadata: { ...foreign.metadata, annotations: { [ANNOTATIONS.liveSync]: "other/ls" } },
      },
    });
    const before = { local: await read(ns, "local"), foreign: await read(ns, "foreign") };

    const progress: RecoveryStatus[] = [];
    const status = await runRecovery({
      task: taskFor(ls),
      liveSync,
      destination,
      onProgress: (s) => progress.push(s),
    });

    expect(status.failures).toEqual([]);
    expect(status.phase).toBe("Succeeded");
    expect(status.resources).toEqual([{ ...GVR, total: 3, succeeded: 3, failed: 0 }]);
    expect(status.changes).toBeUndefined();
    expect(progress.at(-1)).toEqual(status);
    for (const n of names) {
      const copy = (await read(ns, n))!;
      expect(copy.spec.replicas).toBe(1);
      expect(copy.metadata.annotations?.[ANNOTATIONS.liveSync]).toBe(liveSync); // still ours
    }
    for (const n of ["local", "foreign"] as const) {
      const now = (await read(ns, n))!;
      // Only the deployment controller may have written (status); no livesync manager did.
      const managers = (now.metadata.managedFields as { manager: string }[]).map((m) => m.manager);
      expect(managers.filter((m) => m.startsWith("livesync"))).toEqual([]);
      expect(now.metadata.generation).toBe(before[n]!.metadata.generation);
      expect(now.spec).toEqual(before[n]!.spec);
    }
  });

  it("fromOriginal: copies are restored from the bucket (replicas 3, the replaced strategy)", async () => {
    const { ns, ls, liveSync } = await disasterDay(
      [
        {
          ...GVR,
          filters: SELECT,
          transformation: {
            patch: [
              ...TO_ZERO.patch,
              {
                op: "replace",
                path: "/spec/strategy",
                value: { type: "RollingUpdate", rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
              },
            ],
          },
          recoveryProcess: { fromOriginal: { enabled: true } },
        },
      ],
      [deployment("api"), deployment("worker", {}, 5)],
      true,
    );
    const transformed = (await read(ns, "api"))!;
    expect(transformed.spec.strategy).toMatchObject({ type: "RollingUpdate" });

    const status = await runRecovery({ task: taskFor(ls), liveSync, destination, bucket });

    expect(status.failures).toEqual([]);
    expect(status.phase).toBe("Succeeded");
    expect(status.resources).toEqual([{ ...GVR, total: 2, succeeded: 2, failed: 0 }]);
    const api = (await read(ns, "api"))!;
    const worker = (await read(ns, "worker"))!;
    expect(api.spec.replicas).toBe(3);
    expect(worker.spec.replicas).toBe(5);
    expect(api.spec.strategy).toEqual({ type: "Recreate" });
    expect(api.metadata.labels?.[MANAGED_LABEL]).toBe("true");
    expect(api.metadata.annotations?.[ANNOTATIONS.liveSync]).toBe(liveSync);
    expect(api.metadata.annotations?.[ANNOTATIONS.sourceUid]).toBe(
      transformed.metadata.annotations?.[ANNOTATIONS.sourceUid],
    );
  });

  it("fromOriginal without an original: a per-object failure, the others restored", async () => {
    const { ns, ls, liveSync } = await disasterDay(
      [
        {
          ...GVR,
          filters: SELECT,
          transformation: TO_ZERO,
          recoveryProcess: { fromOriginal: { enabled: true } },
        },
      ],
      [deployment("kept"), deployment("gone")],
      true,
    );
    // The source deletes "gone" after the engine stopped: simulate the archiver's tombstone.
    const key = archiveKey({ ...bucket, gvr: GVR, namespace: ns, name: "gone" });
    await bucket.client.put(
      key,
      JSON.stringify({
        deleted: true,
        sourceUid: "x",
        sourceResourceVersion: "1",
        deletedAt: new Date().toISOString(),
        event: "DELETED",
      }),
      { deleted: "true" },
    );
    const status = await runRecovery({ task: taskFor(ls), liveSync, destination, bucket });
    expect(status.phase).toBe("PartiallySucceeded");
    expect(status.failures).toEqual([
      {
        namespace: ns,
        name: "gone",
        ...GVR,
        reason: expect.stringMatching(/deleted in the source/),
      },
    ]);
    expect((await read(ns, "kept"))!.spec.replicas).toBe(3);
    expect((await read(ns, "gone"))!.spec.replicas).toBe(0);
  });

  it("a fromPatch op on a path one object lacks: PartiallySucceeded, that object named, the others recovered", async () => {
    const zoned = (name: string) => {
      const d = deployment(name);
      return {
        ...d,
        spec: {
          ...d.spec,
          template: {
            ...d.spec.template,
            spec: { ...d.spec.template.spec, nodeSelector: { zone: "a" } },
          },
        },
      };
    };
    const { ns, ls, liveSync } = await disasterDay(
      [
        {
          ...GVR,
          filters: SELECT,
          transformation: TO_ZERO,
          recoveryProcess: {
            fromPatch: [
              { op: "replace", path: "/spec/replicas", value: 1 },
              { op: "replace", path: "/spec/template/spec/nodeSelector/zone", value: "dr" },
            ],
          },
        },
      ],
      [zoned("front"), zoned("back"), deployment("lonely")],
    );
    const lonelyBefore = (await read(ns, "lonely"))!;

    const status = await runRecovery({ task: taskFor(ls), liveSync, destination });

    expect(status.phase).toBe("PartiallySucceeded");
    expect(status.resources).toEqual([{ ...GVR, total: 3, succeeded: 2, failed: 1 }]);
    expect(status.failures).toHaveLength(1);
    expect(status.failures[0]).toMatchObject({ namespace: ns, name: "lonely", ...GVR });
    expect(status.failures[0]!.reason).toBe(
      "patch: patch[1] replace /spec/template/spec/nodeSelector/zone: path does not exist",
    );
    for (const n of ["front", "back"]) {
      const copy = (await read(ns, n)) as Deploy & {
        spec: { template: { spec: { nodeSelector?: Record<string, string> } } };
      };
      expect(copy.spec.replicas).toBe(1);
      expect(copy.spec.template.spec.nodeSelector).toEqual({ zone: "dr" });
    }
    // The failed object is untouched: the patch is all or nothing.
    const lonely = (await read(ns, "lonely"))!;
    expect(lonely.metadata.resourceVersion).toBe(lonelyBefore.metadata.resourceVersion);
    expect(lonely.spec.replicas).toBe(0);
  });

  it("a copy changed between list and patch is re-read and recovered; the concurrent edit survives", async () => {
    const { ns, ls, liveSync } = await disasterDay(
      [
        {
          ...GVR,
          filters: SELECT,
          transformation: TO_ZERO,
          recoveryProcess: { fromPatch: [{ op: "replace", path: "/spec/replicas", value: 1 }] },
        },
      ],
      [deployment("calm"), deployment("racy")],
    );
    // Someone writes "racy" right before our PATCH reaches the apiserver.
    let raced = false;
    const rest = destination.rest;
    const racing = {
      name: destination.name,
      discovery: destination.discovery,
      close: () => undefined,
      rest: {
        request: async (
          method: string,
          path: string,
          opts?: Parameters<typeof rest.request>[2],
        ) => {
          if (method === "PATCH" && path.endsWith("/racy") && !raced) {
            raced = true;
            await rest.request("PATCH", path, {
              body: { metadata: { annotations: { "hand-edited": "yes" } } },
              contentType: "application/merge-patch+json",
            });
          }
          return rest.request(method, path, opts);
        },
      },
    } as unknown as Cluster;

    const status = await runRecovery({ task: taskFor(ls), liveSync, destination: racing });

    expect(raced).toBe(true);
    expect(status.phase).toBe("Succeeded");
    expect(status.failures).toEqual([]);
    expect((await read(ns, "calm"))!.spec.replicas).toBe(1);
    const racy = (await read(ns, "racy"))!;
    expect(racy.spec.replicas).toBe(1);
    expect(racy.metadata.annotations?.["hand-edited"]).toBe("yes");
  });

  it("dryRun: nothing changes, the changes are listed (restore then patch)", async () => {
    const { ns, ls, liveSync } = await disasterDay(
      [
        {
          ...GVR,
          filters: SELECT,
          transformation: TO_ZERO,
          recoveryProcess: {
            fromOriginal: { enabled: true },
            fromPatch: [{ op: "add", path: "/metadata/labels/recovered", value: "yes" }],
          },
        },
      ],
      [deployment("a"), deployment("b")],
      true,
    );
    const before = { a: (await read(ns, "a"))!, b: (await read(ns, "b"))! };

    const status = await runRecovery({
      task: taskFor(ls),
      liveSync,
      destination,
      bucket,
      dryRun: true,
    });

    expect(status.failures).toEqual([]);
    expect(status.phase).toBe("Succeeded");
    for (const n of ["a", "b"] as const) {
      const now = (await read(ns, n))!;
      expect(now.metadata.resourceVersion).toBe(before[n].metadata.resourceVersion);
      expect(now.spec.replicas).toBe(0);
      const mine = status.changes!.filter((c) => c.name === n);
      expect(mine.map((c) => c.action)).toEqual(["restore", "patch"]);
      expect(mine[0]).toMatchObject({ namespace: ns, ...GVR });
      expect(mine[0]!.diff).toContainEqual({
        op: "replace",
        path: "/spec/replicas",
        value: 3,
        old: 0,
      });
      expect(mine[1]!.diff).toEqual([
        { op: "add", path: "/metadata/labels/recovered", value: "yes" },
      ]);
    }
  });

  it("dryRun of a plain fromPatch is validated by the apiserver and changes nothing", async () => {
    const { ns, ls, liveSync } = await disasterDay(
      [
        {
          ...GVR,
          filters: SELECT,
          transformation: TO_ZERO,
          recoveryProcess: { fromPatch: [{ op: "replace", path: "/spec/replicas", value: -1 }] },
        },
      ],
      [deployment("bad")],
    );
    const before = (await read(ns, "bad"))!;
    const status = await runRecovery({ task: taskFor(ls), liveSync, destination, dryRun: true });
    expect(status.phase).toBe("Failed");
    expect(status.failures[0]).toMatchObject({
      name: "bad",
      reason: expect.stringMatching(/replicas/),
    });
    expect(status.changes).toEqual([]);
    expect((await read(ns, "bad"))!.metadata.resourceVersion).toBe(before.metadata.resourceVersion);
  });
});
