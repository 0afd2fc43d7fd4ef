/**
 * What the backup and restore benches share: the seeded objects (ConfigMaps and Deployments,
 * labelled with the run, in namespaces of their own), the direct clients they are measured
 * against, the CLI run as a child process with its peak RSS, and the clean-up.
 */
import { spawn } from "node:child_process";
import { readFileSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createGzip } from "node:zlib";
import { DeleteObjectsCommand, ListObjectsV2Command } from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import * as tar from "tar-stream";
import { BUCKET_NAME, LS_NAMESPACE, manifestsFor } from "@livesync/engine/testing";
import {
  collectionPath,
  type Cluster,
  listPages,
  type KubeObject,
  type KubeRest,
  type ResourceInfo,
} from "@livesync/kube";
import { repoRoot, s3Client, type TestEnvironment } from "@livesync/testkit";
import {
  arg,
  benchContext,
  CONFIGMAPS,
  configMap,
  createNamespace,
  deleteNamespace,
  pool,
} from "./common.js";
import { ensureVelero } from "./velero/build.js";
import { VeleroServer, withVelero, type VeleroRun } from "./velero/server.js";

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

/** Writes what `livesync … -f DIR` reads (Secrets, KubernetesClusters, the Bucket `archive`). */
export function cliManifests(env: TestEnvironment): string {
  const m = manifestsFor(env, []);
  const dir = mkdtempSync(join(tmpdir(), "livesync-bench-"));
  [...m.secrets, ...m.clusters, ...m.buckets].forEach((d, i) =>
    writeFileSync(join(dir, `${i}.yaml`), JSON.stringify(d)),
  );
  return dir;
}

export interface ChildRun {
  code: number | null;
  stdout: string;
  stderr: string;
  seconds: number;
  peakRssMB: number;
}

/** Runs `livesync <args>` as a user does (its own process), sampling its peak RSS. */
export function livesyncCli(args: string[]): Promise<ChildRun> {
  const main = join(repoRoot(), "services", "cli", "src", "main.ts");
  return measuredChild(process.execPath, ["--import", "tsx", main, ...args]);
}

async function measuredChild(cmd: string, args: string[]): Promise<ChildRun> {
  const start = performance.now();
  const child = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
  child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
  // VmHWM is the kernel's high-water mark of the RSS: sampling it misses at most the last tick.
  let peakKB = 0;
  const sample = () => {
    try {
      const status = readFileSync(`/proc/${child.pid}/status`, "utf8");
      peakKB = Math.max(peakKB, Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0));
    } catch {
      // The process has exited.
    }
  };
  const timer = setInterval(sample, 50);
  const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
  clearInterval(timer);
  const seconds = (performance.now() - start) / 1000;
  return { code, stdout, stderr, seconds, peakRssMB: Math.round(peakKB / 1024) };
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

type BenchContext = Awaited<ReturnType<typeof benchContext>>;

/** Where each tool of a run writes in the test bucket (removed by cleanUp). */
export const runPrefixes = (run: string) => ({
  direct: `bench/${run}/`,
  velero: `bench/${run}/velero`,
  livesync: `${LS_NAMESPACE}/${BUCKET_NAME}/backups/bench-${run}`,
});

/**
 * `livesync backup create` of the seeded objects into the Bucket `archive`, in its own process:
 * seconds (process start to exit), items/s, peak RSS, and what its JSON says.
 */
export async function livesyncBackup(ctx: BenchContext, plan: SeedPlan, name: string) {
  const args = ["backup", "create", name, "-f", cliManifests(ctx.env), "--source", "source"];
  args.push("--bucket", BUCKET_NAME, "--include-namespaces", plan.namespaces.join(","));
  args.push("--selector", `bench=${plan.run}`, "-o", "json");
  const r = await livesyncCli(args);
  if (r.code !== 0 && r.code !== 3) {
    return { error: `livesync backup create exited ${r.code}: ${lastLine(r.stderr)}` };
  }
  const out = JSON.parse(r.stdout) as { phase: string; itemsBackedUp: number; atomic: boolean };
  return {
    seconds: r.seconds,
    itemsPerSecond: out.itemsBackedUp / r.seconds,
    peakRssMB: r.peakRssMB,
    atomic: out.atomic,
    phase: out.phase,
    items: out.itemsBackedUp,
  };
}

const lastLine = (text: string) => text.trim().split("\n").pop() ?? "";
const errorText = (err: unknown) => (err instanceof Error ? err.message : String(err));

/** Velero (built on first use) against one of the test clusters, storing under the run's prefix. */
export function veleroServer(ctx: BenchContext, cluster: "source" | "destination"): VeleroServer {
  const c = cluster === "source" ? ctx.source : ctx.destination;
  const kubeconfig = ctx.env.clusters[cluster]!.kubeconfig;
  return new VeleroServer(
    ensureVelero(),
    c.rest,
    kubeconfig,
    ctx.env.s3,
    runPrefixes(ctx.run).velero,
  );
}

/** Velero's figures, or why it could not run (the bench's other figures stand without it). */
export async function veleroFigures(fn: () => Promise<VeleroRun>) {
  try {
    const r = await fn();
    return {
      seconds: r.seconds,
      items: r.items,
      itemsPerSecond: r.items / r.seconds,
      phase: r.phase,
    };
  } catch (err) {
    return { error: `velero could not run: ${errorText(err)}` };
  }
}

/** A Velero Backup of the seeded objects from the source (name `bench-<run>`). */
export const backupWithVelero = (ctx: BenchContext, plan: SeedPlan) =>
  veleroFigures(() =>
    withVelero(veleroServer(ctx, "source"), (v) =>
      v.backup(`bench-${ctx.run}`, plan.namespaces, benchLabels(plan.run)),
    ),
  );

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
