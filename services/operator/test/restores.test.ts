/**
 * The Restore controller against real clusters and the real S3: backups taken by runBackup from
 * the source into a Bucket of the management cluster, Restore objects run by the operator into
 * the destination. A restore ends Completed with its counts; a dry run writes nothing; a bad
 * reference fails with a condition naming the field and value, and writes nothing; `backups`
 * with `skip` restores only the other schedule's backup; an interrupted Restore is resumed.
 */
import { randomBytes } from "node:crypto";
import type { BackupSpec, RestoreStatus } from "@livesync/api";
import {
  BackupStore,
  openBucketBackupWriter,
  runBackup,
  type BackupWriter,
} from "@livesync/backup";
import { bucketClient } from "@livesync/bucket";
import { RESTORED_BY_ANNOTATION } from "@livesync/core";
import { Cluster } from "@livesync/kube";
import { runRestore } from "@livesync/restore";
import { Registry } from "@livesync/telemetry";
import { eventually, freshNamespace, kubeConfigFor } from "@livesync/testkit";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { Operator } from "../src/index.js";
import { Fixture } from "./fixture.js";

const env = inject("testenv");
const srcKc = kubeConfigFor(env, "source");
const dstKc = kubeConfigFor(env, "destination");
const BUCKET = "backups";
let f: Fixture;
let source: Cluster;
let destination: Cluster;
let srcNs: string;
const registry = new Registry();
let op: Operator;

interface RestoreObj {
  metadata: { name: string };
  status?: RestoreStatus;
}
interface ConfigMapList {
  items: { metadata: { name: string; annotations?: Record<string, string> } }[];
}

/** The Bucket's place in the S3 bucket, as the operator's BackupStore sees it. */
const target = () => ({
  client: bucketClient({ ...env.s3, forcePathStyle: true }),
  bucketNamespace: f.ns,
  bucketName: BUCKET,
});

/** A writer whose backup.json carries `labels` (what a BackupSchedule's backups carry). */
const labelled = (w: BackupWriter, labels: Record<string, string>): BackupWriter => ({
  add: (entry, object) => w.add(entry, object),
  abort: () => w.abort(),
  finish: (index, backup, results) =>
    w.finish(index, { ...backup, metadata: { ...backup.metadata, labels } }, results),
});

/** A backup of the ConfigMaps and Secrets of srcNs named `names` (all when absent). */
async function backup(name: string, names?: string[], labels?: Record<string, string>) {
  const t = target();
  const nameSelector = names ? { nameSelector: { regex: names.map((n) => `^${n}$`) } } : {};
  const spec: BackupSpec = {
    sourceName: "source",
    bucketName: BUCKET,
    includedNamespaces: [srcNs],
    includeClusterResources: false,
    resources: [
      { group: "", version: "v1", resource: "configmaps", filters: nameSelector },
      { group: "", version: "v1", resource: "secrets", filters: nameSelector },
    ],
  };
  const writer = await openBucketBackupWriter(t, name);
  const status = await runBackup({
    name,
    namespace: f.ns,
    spec,
    source,
    writer: labels ? labelled(writer, labels) : writer,
  });
  t.client.close();
  expect(status.phase, JSON.stringify(status.errors)).toBe("Completed");
}

const restorePath = (name?: string) => f.path("restores", name);

async function createRestore(name: string, spec: Record<string, unknown>): Promise<void> {
  await f.create(restorePath(), {
    apiVersion: "backup.livesync.dev/v1alpha1",
    kind: "Restore",
    metadata: { name },
    spec: { destinationName: "destination", bucketName: BUCKET, ...spec },
  });
}

/** Waits for the Restore's final phase. */
function finished(name: string): Promise<RestoreObj> {
  let last: RestoreStatus | undefined;
  return eventually(
    async () => {
      const r = (await f.get(restorePath(name))) as RestoreObj;
      last = r.status;
      const phase = r.status?.phase;
      return phase && phase !== "New" && phase !== "InProgress" ? r : undefined;
    },
    { timeoutMs: 90_000, what: () => `Restore ${name} to finish (last: ${JSON.stringify(last)})` },
  );
}

/** A fresh destination namespace to restore srcNs into; removed at clean-up. */
async function destinationNamespace(prefix: string): Promise<string> {
  const ns = await freshNamespace(dstKc, prefix);
  f.onCleanup(ns.remove);
  return ns.name;
}

const configMaps = (ns: string) =>
  destination.rest
    .request<ConfigMapList>("GET", `/api/v1/namespaces/${ns}/configmaps`)
    .then((l) => l.items.filter((i) => i.metadata.name !== "kube-root-ca.crt"));

const succeeded = (r: RestoreObj) => r.status?.conditions?.find((c) => c.type === "Succeeded");

beforeAll(async () => {
  f = await Fixture.create(env, kubeConfigFor(env, "management"), "restores");
  await f.addBucket(BUCKET);
  await f.create(f.path("kubernetesclusters"), {
    apiVersion: "assets.livesync.dev/v1alpha1",
    kind: "KubernetesCluster",
    metadata: { name: "no-secret" },
    spec: { secretName: "absent" },
  });
  source = await Cluster.fromKubeConfig("source", srcKc);
  destination = await Cluster.fromKubeConfig("destination", dstKc);
  const ns = await freshNamespace(srcKc, "restores-src");
  f.onCleanup(ns.remove);
  srcNs = ns.name;
  for (const name of ["app-a", "app-b", "app-c"])
    await source.rest.request("POST", `/api/v1/namespaces/${srcNs}/configmaps`, {
      body: { metadata: { name }, data: { name, token: randomBytes(4).toString("hex") } },
    });
  await source.rest.request("POST", `/api/v1/namespaces/${srcNs}/secrets`, {
    body: { metadata: { name: "app-ca" }, stringData: { "ca.crt": "certificate" } },
  });
  await backup("full");
  await backup("only-a", ["app-a"], { "backup.livesync.dev/schedule": "sched-a" });
  await backup("only-b", ["app-b"], { "backup.livesync.dev/schedule": "sched-b" });
  op = await f.operator({ engineOptions: { components: [] } });
  op.registerMetrics(registry);
  f.onCleanup(async () => {
    const store = new BackupStore(target());
    for (const b of ["full", "only-a", "only-b", "by-schedule"]) await store.delete(b);
    await store.target.client.deletePrefix(`${f.ns}/${BUCKET}/`);
    store.close();
    source.close();
    destination.close();
  });
}, 120_000);
afterAll(() => f?.close());

describe("Restore controller", () => {
  it("restores a backup into the destination and ends Completed with its counts", async () => {
    const into = await destinationNamespace("restores-full");
    await createRestore("full", { backupName: "full", namespaceMapping: { [srcNs]: into } });
    const r = await finished("full");
    expect(r.status?.phase, JSON.stringify(r.status)).toBe("Completed");
    expect(r.status?.backups).toEqual(["full"]);
    expect(r.status?.dryRun).toBe(false);
    expect(r.status?.counts).toMatchObject({ created: 4, failed: 0, deleted: 0 });
    const perResource = Object.fromEntries(
      (r.status?.resources ?? []).map((x) => [x.resource, x.created]),
    );
    expect(perResource).toMatchObject({ configmaps: 3, secrets: 1 });
    expect(r.status?.auditLocation).toMatch(
      new RegExp(`^s3://.*/${f.ns}/${BUCKET}/.*full.*audit\\.json$`),
    );
    expect(succeeded(r)).toMatchObject({ status: "True", reason: "Completed" });
    expect(r.status?.startTime).toBeDefined();
    expect(r.status?.completionTime).toBeDefined();

    const restored = await configMaps(into);
    expect(restored.map((c) => c.metadata.name).sort()).toEqual(["app-a", "app-b", "app-c"]);
    for (const c of restored) expect(c.metadata.annotations?.[RESTORED_BY_ANNOTATION]).toBe("full");
    await destination.rest.request("GET", `/api/v1/namespaces/${into}/secrets/app-ca`);

    const metrics = await registry.metrics();
    expect(metrics).toMatch(/livesync_restore_items_total\{action="create"\} [1-9]/);
    expect(metrics).toMatch(/livesync_restore_duration_seconds_count\{phase="Completed"\} [1-9]/);
  });

  it("dryRun: the plan with its counts, nothing written", async () => {
    const into = await destinationNamespace("restores-dry");
    await createRestore("dry", {
      backupName: "latest",
      dryRun: true,
      namespaceMapping: { [srcNs]: into },
    });
    const r = await finished("dry");
    expect(r.status?.phase, JSON.stringify(r.status)).toBe("Completed");
    expect(r.status?.dryRun).toBe(true);
    expect(r.status?.counts?.created).toBeGreaterThan(0);
    expect(succeeded(r)?.message).toMatch(/^dry run, nothing written/);
    expect(await configMaps(into)).toEqual([]);
  });

  it("backups: one schedule latest, the other skip", async () => {
    const into = await destinationNamespace("restores-map");
    await createRestore("per-schedule", {
      backups: { "sched-a": "latest", "sched-b": "skip" },
      namespaceMapping: { [srcNs]: into },
    });
    const r = await finished("per-schedule");
    expect(r.status?.phase, JSON.stringify(r.status)).toBe("Completed");
    expect(r.status?.backups).toEqual(["only-a"]);
    expect((await configMaps(into)).map((c) => c.metadata.name)).toEqual(["app-a"]);
  });

  it("scheduleName: the newest Completed Backup its schedule made through the operator", async () => {
    // A Backup as a BackupSchedule creates it: labelled with the schedule, run by the operator.
    await f.create(f.path("backups"), {
      apiVersion: "backup.livesync.dev/v1alpha1",
      kind: "Backup",
      metadata: { name: "by-schedule", labels: { "backup.livesync.dev/schedule": "sched-c" } },
      spec: {
        sourceName: "source",
        bucketName: BUCKET,
        includedNamespaces: [srcNs],
        includeClusterResources: false,
        resources: [{ group: "", version: "v1", resource: "configmaps" }],
      },
    });
    await eventually(
      async () =>
        ((await f.get(f.path("backups", "by-schedule"))) as RestoreObj).status?.phase ===
          "Completed" || undefined,
      { timeoutMs: 60_000, what: "the scheduled Backup to complete" },
    );
    const into = await destinationNamespace("restores-sched");
    await createRestore("by-schedule", {
      scheduleName: "sched-c",
      namespaceMapping: { [srcNs]: into },
    });
    const r = await finished("by-schedule");
    expect(r.status?.phase, JSON.stringify(r.status)).toBe("Completed");
    expect(r.status?.backups).toEqual(["by-schedule"]);
    expect((await configMaps(into)).length).toBe(3);
  });

  it.each([
    [
      "two things to restore",
      { backupName: "full", scheduleName: "sched-a" },
      "InvalidSpec",
      /spec\.scheduleName: set only one of backupName, scheduleName, backups and fromArchive/,
    ],
    [
      "a namespace mapping merging two namespaces",
      { backupName: "full", namespaceMapping: { a: "x", b: "x" } },
      "InvalidSpec",
      /spec\.namespaceMapping\[b\]: "b" and "a" are both mapped to "x"/,
    ],
    ["unknown backup", { backupName: "nope" }, "BackupNotFound", /spec\.backupName: .*nope/],
    [
      "a KubernetesCluster whose Secret is missing",
      { backupName: "full", destinationName: "no-secret" },
      "ClusterNotFound",
      /spec\.destinationName: KubernetesCluster "no-secret" is invalid: .*Secret "absent"/,
    ],
    [
      "unknown KubernetesCluster",
      { backupName: "full", destinationName: "ghost" },
      "ClusterNotFound",
      /spec\.destinationName: KubernetesCluster "ghost" not found/,
    ],
    [
      "unknown Bucket",
      { backupName: "full", bucketName: "nowhere" },
      "BucketNotFound",
      /spec\.bucketName: Bucket "nowhere" not found/,
    ],
    [
      "unknown schedule",
      { scheduleName: "never-ran" },
      "BackupNotFound",
      /spec\.scheduleName: no Completed backup of schedule never-ran/,
    ],
  ])("%s: Failed with a condition naming it, nothing written", async (_, spec, reason, message) => {
    const into = await destinationNamespace("restores-bad");
    const name = `bad-${randomBytes(3).toString("hex")}`;
    await createRestore(name, { namespaceMapping: { [srcNs]: into }, ...spec });
    const r = await finished(name);
    expect(r.status?.phase).toBe("Failed");
    expect(succeeded(r)).toMatchObject({ status: "False", reason });
    expect(succeeded(r)?.message).toMatch(message);
    expect(await configMaps(into)).toEqual([]);
  });

  it("an unreachable destination: Failed (ClusterUnreachable), nothing written", async () => {
    await f.addCluster(
      "unreachable",
      `apiVersion: v1
kind: Config
clusters: [{ name: c, cluster: { server: "https://127.0.0.1:9" } }]
users: [{ name: u, user: { token: t } }]
contexts: [{ name: c, context: { cluster: c, user: u } }]
current-context: c
`,
    );
    await createRestore("unreachable", { backupName: "full", destinationName: "unreachable" });
    const r = await finished("unreachable");
    expect(r.status?.phase).toBe("Failed");
    expect(succeeded(r)).toMatchObject({ reason: "ClusterUnreachable" });
    expect(succeeded(r)?.message).toMatch(/spec\.destinationName: KubernetesCluster "unreachable"/);
  });

  it("a Restore left InProgress by a stopped operator is resumed: what it restored is skipped", async () => {
    const into = await destinationNamespace("restores-resume");
    const spec = {
      destinationName: "destination",
      bucketName: BUCKET,
      backupName: "full",
      namespaceMapping: { [srcNs]: into },
    };
    // The run of the operator that stopped: it had restored everything under this name.
    const store = new BackupStore(target());
    await runRestore({ name: "resumed", spec, destination, archives: [await store.open("full")] });
    store.close();
    // The Restore as that operator left it: InProgress. Then an operator starts and takes it.
    await op.stop();
    await f.create(restorePath(), {
      apiVersion: "backup.livesync.dev/v1alpha1",
      kind: "Restore",
      metadata: { name: "resumed" },
      spec: { ...spec, backupName: "latest" },
    });
    await f.management.rest.request("PATCH", `${restorePath("resumed")}/status`, {
      body: {
        status: { phase: "InProgress", startTime: new Date().toISOString(), backups: ["full"] },
      },
      contentType: "application/merge-patch+json",
    });
    op = await f.operator({ engineOptions: { components: [] } });
    const r = await finished("resumed");
    expect(r.status?.phase, JSON.stringify(r.status)).toBe("Completed");
    // The recorded backup, not `latest` resolved again.
    expect(r.status?.backups).toEqual(["full"]);
    expect(r.status?.counts).toMatchObject({ created: 0, failed: 0 });
    const resumed = r.status?.conditions?.find((c) => c.type === "Resumed");
    expect(resumed?.message).toContain("skipped 4 objects");
  });
});
