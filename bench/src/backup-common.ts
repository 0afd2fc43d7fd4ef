/**
 * What the backup and restore benches share: the seeded objects (ConfigMaps and Deployments,
 * labelled with the run, in namespaces of their own), the direct clients they are measured
 * against, the dirt a revert cleans up, and the clean-up.
 */
import { readFileSync } from "node:fs";
import { createGzip } from "node:zlib";
import { DeleteObjectsCommand, ListObjectsV2Command } from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import * as tar from "tar-stream";
import { BUCKET_NAME, LS_NAMESPACE } from "@livesync/engine/testing";
import {
  collectionPath,
  objectPath,
  type Cluster,
  listPages,
  type KubeObject,
  type KubeRest,
  type ResourceInfo,
} from "@livesync/kube";
import { s3Client, type TestEnvironment } from "@livesync/testkit";
import {
  arg,
  type benchContext,
  CONFIGMAPS,
  configMap,
  createNamespace,
  deleteNamespace,
  pool,
} from "./common.js";

export const DEPLOYMENTS: ResourceInfo = {
  group: "apps",
  version: "v1",
  resource: "deployments",
  kind: "Deployment",
  namespaced: true,
  verbs: [],
};
/** What is seeded, in the order the direct clients list and create it. */
export const SEEDED_RESOURCES = [CONFIGMAPS, DEPLOYMENTS];

/** The seeded objects' label: backups select them with it, so every tool takes the same set. */
export const benchLabels = (run: string) => ({ bench: run });

export interface SeedPlan {
  run: string;
  namespaces: string[];
  configMaps: number;
  deployments: number;
  bytes: number;
  concurrency: number;
}

/** The plan from the command line (--configmaps, --deployments, --namespaces, --bytes, --concurrency). */
export function seedPlan(run: string, prefix: string): SeedPlan {
  const namespaces = arg("namespaces", 20);
  return {
    run,
    namespaces: Array.from({ length: namespaces }, (_, i) => `${prefix}-${run}-${i}`),
    configMaps: arg("configmaps", 8_000),
    deployments: arg("deployments", 2_000),
    bytes: arg("bytes", 1_024),
    concurrency: arg("concurrency", 16),
  };
}

export const objectCount = (plan: SeedPlan) => plan.configMaps + plan.deployments;

/** Deployments at 0 replicas: a ReplicaSet each (not labelled, so not selected), no Pods. */
function deployment(namespace: string, name: string, labels: Record<string, string>): KubeObject {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name, namespace, labels },
    spec: {
      replicas: 0,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: "app", image: "nginx:1.27" }] },
      },
    },
  };
}

/** The plan's objects, spread round-robin over `namespaces` (the plan's, or renamed ones). */
export function seedObjects(plan: SeedPlan, namespaces = plan.namespaces): KubeObject[] {
  const labels = benchLabels(plan.run);
  const ns = (i: number) => namespaces[i % namespaces.length]!;
  const configMaps = Array.from({ length: plan.configMaps }, (_, i) => {
    const cm = configMap(ns(i), `cm-${i}`, plan.bytes);
    return { ...cm, metadata: { ...cm.metadata, labels } };
  });
  const deployments = Array.from({ length: plan.deployments }, (_, i) =>
    deployment(ns(i), `deploy-${i}`, labels),
  );
  return [...configMaps, ...deployments];
}

const infoOf = (o: KubeObject) => (o.kind === "Deployment" ? DEPLOYMENTS : CONFIGMAPS);

/**
 * Creates the namespaces (labelled with the run) and the objects, `plan.concurrency` POSTs in
 * flight: the seeding, and also the direct baseline of a restore. Returns the seconds taken.
 */
export async function createObjects(
  rest: KubeRest,
  plan: SeedPlan,
  namespaces = plan.namespaces,
): Promise<number> {
  const start = performance.now();
  await pool(namespaces, plan.concurrency, (ns) =>
    createNamespace(rest, ns, benchLabels(plan.run)),
  );
  await pool(seedObjects(plan, namespaces), plan.concurrency, async (o) => {
    await rest.request("POST", collectionPath(infoOf(o), o.metadata.namespace), { body: o });
  });
  return (performance.now() - start) / 1000;
}

/**
 * The direct backup baseline: lists the seeded resources of each namespace (pages of 500) and
 * streams them as one gzip'd tarball of JSON files into the bucket at `key`.
 */
export async function directBackup(
  env: TestEnvironment,
  rest: KubeRest,
  plan: SeedPlan,
  key: string,
): Promise<{ seconds: number; items: number }> {
  const start = performance.now();
  const pack = tar.pack();
  const s3 = s3Client(env.s3);
  const upload = new Upload({
    client: s3,
    params: { Bucket: env.s3.bucket, Key: key, Body: pack.pipe(createGzip()) },
  }).done();
  let items = 0;
  const labelSelector = `bench=${plan.run}`;
  for (const namespace of plan.namespaces) {
    for (const info of SEEDED_RESOURCES) {
      await listPages(rest, info, { namespace, labelSelector, pageSize: 500 }, async (page) => {
        for (const o of page) {
          const name = `${info.resource}/${namespace}/${o.metadata.name}.json`;
          await new Promise<void>((resolve, reject) =>
            pack.entry({ name }, JSON.stringify(o), (err) => (err ? reject(err) : resolve())),
          );
          items++;
        }
      });
    }
  }
  pack.finalize();
  await upload;
  s3.destroy();
  return { seconds: (performance.now() - start) / 1000, items };
}

/** Removes every bucket object under `prefix` (what the run's tools wrote). */
export async function removeBucketPrefix(env: TestEnvironment, prefix: string): Promise<void> {
  const s3 = s3Client(env.s3);
  let token: string | undefined;
  do {
    const page = await s3.send(
      new ListObjectsV2Command({ Bucket: env.s3.bucket, Prefix: prefix, ContinuationToken: token }),
    );
    const keys = (page.Contents ?? []).map((o) => ({ Key: o.Key! }));
    if (keys.length > 0) {
      await s3.send(new DeleteObjectsCommand({ Bucket: env.s3.bucket, Delete: { Objects: keys } }));
    }
    token = page.NextContinuationToken;
  } while (token);
  s3.destroy();
}

/** Deletes the namespaces (and so their objects); waits when a measurement follows. */
export async function removeNamespaces(
  rest: KubeRest,
  namespaces: string[],
  opts: { wait?: boolean } = {},
): Promise<void> {
  await Promise.all(namespaces.map((ns) => deleteNamespace(rest, ns, opts)));
}

/** Load average when a figure was taken: the machine is shared, so figures carry it. */
export const machineLoad = () => readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3);

export type BenchContext = Awaited<ReturnType<typeof benchContext>>;

/** Where the run writes in the test bucket (all removed by cleanUp). */
export const runPrefixes = (run: string) => ({
  /** The direct baseline's tarball, and Velero's storage location under `velero`. */
  bench: `bench/${run}/`,
  livesyncBackups: `${LS_NAMESPACE}/${BUCKET_NAME}/backups/bench-${run}`,
  livesyncRestores: `${LS_NAMESPACE}/${BUCKET_NAME}/restores/bench-${run}`,
});

/** Deletes the run's namespaces and bucket objects, and closes the clients. */
export async function cleanUp(
  ctx: BenchContext,
  namespaces: { cluster: Cluster; namespaces: string[] }[],
): Promise<void> {
  for (const n of namespaces) await removeNamespaces(n.cluster.rest, n.namespaces);
  for (const prefix of Object.values(runPrefixes(ctx.run)))
    await removeBucketPrefix(ctx.env, prefix);
  ctx.source.close();
  ctx.destination.close();
}

/**
 * Makes the restored namespaces dirty: 10 % of the objects drifted (a ConfigMap's payload, a
 * Deployment's image), 5 % deleted, and 5 % as many extra ConfigMaps carrying the run's label.
 */
export async function dirtyObjects(rest: KubeRest, plan: SeedPlan) {
  const objs = seedObjects(plan);
  const drifted = objs.filter((_, i) => i % 10 === 0);
  const missing = objs.filter((_, i) => i % 20 === 1);
  const extra = Array.from({ length: Math.round(objs.length / 20) }, (_, i) => {
    const cm = configMap(plan.namespaces[i % plan.namespaces.length]!, `extra-${i}`, plan.bytes);
    return { ...cm, metadata: { ...cm.metadata, labels: benchLabels(plan.run) } };
  });
  const path = (o: KubeObject) => objectPath(infoOf(o), o.metadata.namespace, o.metadata.name);
  await pool(drifted, plan.concurrency, async (o) => {
    const drift =
      o.kind === "Deployment"
        ? { spec: { template: { spec: { containers: [{ name: "app", image: "nginx:drift" }] } } } }
        : { data: { payload: "drifted" } };
    await rest.request("PATCH", path(o), {
      body: drift,
      contentType: "application/merge-patch+json",
    });
  });
  await pool(missing, plan.concurrency, async (o) => void (await rest.request("DELETE", path(o))));
  await pool(extra, plan.concurrency, async (o) => {
    await rest.request("POST", collectionPath(CONFIGMAPS, o.metadata.namespace), { body: o });
  });
  return { drifted: drifted.length, missing: missing.length, extra: extra.length };
}
