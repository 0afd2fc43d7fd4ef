/**
 * The operator runs Backup objects: one runs to Completed with its items and its archive in the
 * bucket (and the backup metrics on /metrics); bad input fails with a condition naming the field
 * and value and nothing written; a Backup left InProgress by an operator that stopped is failed
 * as Interrupted, not left stuck.
 */
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
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
import { defaultBackupBackend } from "../src/backups/backend.js";
import type { RunBackupArgs } from "../src/backups/ports.js";
import { cond, Fixture } from "./fixture.js";

const env = inject("testenv");
const src = kubeConfigFor(env, "source");
let f: Fixture;
let srcNs: string;
const registry = new Registry();
const running = { now: 0, most: 0 };

beforeAll(async () => {
  f = await Fixture.create(env, kubeConfigFor(env, "management"), "bk-run");
  srcNs = await sourceNamespace(f, src, 5);
  await addBucket(f, env, "store");
  // Left InProgress by an operator that is gone: this test's operator starts after.
  await createBackup(f, "cut-short", { sourceName: "source", bucketName: "store" });
  await f.mergePatch(`${backupPath(f, "backups", "cut-short")}/status`, {
    status: { phase: "InProgress", startTime: new Date().toISOString() },
  });
  // The real backend, counting how many snapshots run at once.
  const backend = {
    ...defaultBackupBackend,
    run: async (args: RunBackupArgs) => {
      running.now++;
      running.most = Math.max(running.most, running.now);
      try {
        return await defaultBackupBackend.run(args);
      } finally {
        running.now--;
      }
    },
  };
  const op = await f.operator({
    engineOptions: { components: [] },
    backups: { concurrency: 1, backend },
  });
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

  it("encrypts a Backup with the key of its Secret, and refuses a key of the wrong size", async () => {
    for (const [name, bytes] of [
      ["enc-key", 32],
      ["short-key", 16],
    ] as const)
      await f.create(`/api/v1/namespaces/${f.ns}/secrets`, {
        apiVersion: "v1",
        kind: "Secret",
        metadata: { name },
        stringData: { key: randomBytes(bytes).toString("base64") },
      });
    const spec = { sourceName: "source", bucketName: "store", includedNamespaces: [srcNs] };
    await createBackup(f, "sealed", { ...spec, encryption: { secretName: "enc-key" } });
    await createBackup(f, "badly-sealed", { ...spec, encryption: { secretName: "short-key" } });
    const sealed = await backupPhase(f, "sealed", ["Completed", "PartiallyFailed", "Failed"]);
    expect(sealed.status?.phase, JSON.stringify(sealed.status)).toBe("Completed");
    expect((sealed.status as { encrypted?: boolean }).encrypted).toBe(true);
    const bad = await backupPhase(f, "badly-sealed", ["Completed", "PartiallyFailed", "Failed"]);
    expect(bad.status?.phase).toBe("Failed");
    expect(cond(bad, "Succeeded")?.message).toMatch(/^spec\.encryption\.secretName: .*32 bytes/);
    expect(await bucketKeys(env, f.ns, "store", "badly-sealed")).toEqual([]);
  });

  it("fails a Backup an earlier operator left InProgress as Interrupted", async () => {
    const b = await backupPhase(f, "cut-short", ["Completed", "PartiallyFailed", "Failed"]);
    expect(b.status?.phase).toBe("Failed");
    expect(cond(b, "Succeeded")).toMatchObject({ reason: "Interrupted" });
    expect(await registry.metrics()).toMatch(/livesync_backup_failures_total\{schedule=""\} [1-9]/);
  });

  it("runs no more Backups at once than its concurrency allows (1 here)", async () => {
    const spec = { sourceName: "source", bucketName: "store", includedNamespaces: [srcNs] };
    const names = ["queued-1", "queued-2", "queued-3"];
    for (const name of names) await createBackup(f, name, spec);
    for (const name of names)
      expect((await backupPhase(f, name, ["Completed"])).status?.phase).toBe("Completed");
    expect(running.most).toBe(1);
  });

  it("resolves the self preset at run time: livesync's objects and exactly the Secrets they name", async () => {
    await f.addCluster("self", readFileSync(env.clusters.management!.kubeconfig, "utf8"));
    await f.create(backupPath(f, "backups"), {
      apiVersion: "backup.livesync.dev/v1alpha1",
      kind: "Backup",
      metadata: { name: "self-1", annotations: { "backup.livesync.dev/preset": "self" } },
      spec: { sourceName: "self", bucketName: "store", includedNamespaces: [f.ns] },
    });
    const b = await backupPhase(f, "self-1", ["Completed", "PartiallyFailed", "Failed"]);
    expect(b.status?.phase, JSON.stringify(b.status)).toBe("Completed");
    const named = new Set<string>();
    for (const plural of ["kubernetesclusters", "buckets"]) {
      const list = await f.management.rest.request<{ items: { spec: { secretName: string } }[] }>(
        "GET",
        f.path(plural),
      );
      for (const o of list.items) named.add(o.spec.secretName);
    }
    const count = (resource: string) =>
      (b.status as { resources?: { resource: string; items: number }[] }).resources
        ?.filter((r) => r.resource === resource)
        .reduce((n, r) => n + r.items, 0);
    // The encryption key Secrets made above are named by no cluster, bucket or schedule.
    expect(count("secrets")).toBe(named.size);
    expect(count("kubernetesclusters")).toBeGreaterThanOrEqual(3);
    expect(count("buckets")).toBe(2);
  });
});
