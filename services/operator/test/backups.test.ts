/**
 * The operator runs Backup objects: one runs to Completed with its items and its archive in the
 * bucket (and the backup metrics on /metrics); bad input fails with a condition naming the field
 * and value and nothing written; a Backup left InProgress by an operator that stopped is failed
 * as Interrupted, not left stuck.
 */
import { Registry, startTelemetry } from "@livesync/telemetry";
import { kubeConfigFor } from "@livesync/testkit";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import {
  addBucket,
  backupPath,
  backupPhase,
  bucketKeys,
  createBackup,
  sourceNamespace,
} from "./backup-fixture.js";
import { cond, Fixture } from "./fixture.js";

const env = inject("testenv");
const src = kubeConfigFor(env, "source");
let f: Fixture;
let srcNs: string;
const registry = new Registry();

beforeAll(async () => {
  f = await Fixture.create(env, kubeConfigFor(env, "management"), "bk-run");
  srcNs = await sourceNamespace(f, src, 5);
  await addBucket(f, env, "store");
  // Left InProgress by an operator that is gone: this test's operator starts after.
  await createBackup(f, "cut-short", { sourceName: "source", bucketName: "store" });
  await f.mergePatch(`${backupPath(f, "backups", "cut-short")}/status`, {
    status: { phase: "InProgress", startTime: new Date().toISOString() },
  });
  const op = await f.operator({ engineOptions: { components: [] } });
  op.registerMetrics(registry);
});
afterAll(() => f?.close());

describe("Backup objects run by the operator", () => {
  it("runs a Backup to Completed with its items, a location in the bucket and an expiration", async () => {
    await createBackup(f, "first", {
      sourceName: "source",
      bucketName: "store",
      includedNamespaces: [srcNs],
      ttl: "2h",
    });
    const b = await backupPhase(f, "first", ["Completed", "PartiallyFailed", "Failed"]);
    expect(b.status?.phase, JSON.stringify(b.status)).toBe("Completed");
    // 5 ConfigMaps (and the namespace's kube-root-ca.crt) at least.
    expect(b.status?.itemsBackedUp).toBeGreaterThanOrEqual(5);
    expect(b.status?.location).toContain(`${f.ns}/store/backups/first/`);
    expect(b.status?.sha256).toMatch(/^[0-9a-f]{64}$/);
    const ttlMs = Date.parse(b.status!.expiration!) - Date.parse(b.status!.completionTime!);
    expect(ttlMs).toBe(2 * 3600_000);
    expect(cond(b, "Succeeded")).toMatchObject({ status: "True", reason: "Completed" });
    const keys = await bucketKeys(env, f.ns, "store", "first");
    expect(keys.map((k) => k.split("/").pop())).toEqual(
      expect.arrayContaining(["backup.json", "index.json", "results.json"]),
    );
  });

  it("serves the backup metrics on /metrics after a backup", async () => {
    await backupPhase(f, "first", ["Completed"]);
    const server = await startTelemetry({ port: 0, registry });
    try {
      const text = await (await fetch(`http://${server.address}/metrics`)).text();
      expect(text).toMatch(/livesync_backup_total\{schedule="",phase="Completed"\} [1-9]/);
      expect(text).toMatch(
        /livesync_backup_duration_seconds_count\{schedule="",phase="Completed"\} [1-9]/,
      );
      expect(text).toMatch(/livesync_backup_items\{schedule=""\} [5-9]/);
      expect(text).toMatch(/livesync_backup_last_success_timestamp_seconds\{schedule=""\} \d/);
    } finally {
      await server.close();
    }
  });

  it("fails a Backup of an unknown cluster, naming the field and value, and writes nothing", async () => {
    await createBackup(f, "nowhere", { sourceName: "no-such-cluster", bucketName: "store" });
    const b = await backupPhase(f, "nowhere", ["Completed", "PartiallyFailed", "Failed"]);
    expect(b.status?.phase).toBe("Failed");
    expect(cond(b, "Succeeded")).toMatchObject({
      status: "False",
      reason: "ClusterNotFound",
      message: expect.stringContaining('spec.sourceName: KubernetesCluster "no-such-cluster"'),
    });
    expect(await bucketKeys(env, f.ns, "store", "nowhere")).toEqual([]);
  });

  it("fails a Backup into an unreachable bucket with a clear condition", async () => {
    // Nothing listens on port 1: connection refused.
    await addBucket(f, env, "dead", "127.0.0.1:1");
    await createBackup(f, "to-dead", { sourceName: "source", bucketName: "dead" });
    const b = await backupPhase(f, "to-dead", ["Completed", "PartiallyFailed", "Failed"]);
    expect(b.status?.phase).toBe("Failed");
    expect(cond(b, "Succeeded")).toMatchObject({
      reason: "BucketUnreachable",
      message: expect.stringContaining('spec.bucketName: Bucket "dead" unreachable'),
    });
  });

  it("fails a Backup an earlier operator left InProgress as Interrupted", async () => {
    const b = await backupPhase(f, "cut-short", ["Completed", "PartiallyFailed", "Failed"]);
    expect(b.status?.phase).toBe("Failed");
    expect(cond(b, "Succeeded")).toMatchObject({ reason: "Interrupted" });
  });
});
