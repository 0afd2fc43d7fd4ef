/**
 * BackupSchedules and retention against real clusters and S3: a schedule firing every minute
 * keeps exactly maxBackups (older Backups of the schedule are made first, so that one firing
 * brings retention in), a Backup past its TTL loses its data and its object, and an invalid
 * schedule reaches FailedValidation naming the field and value.
 */
import { SCHEDULE_LABEL } from "@livesync/backup";
import { KubeApiError } from "@livesync/kube";
import { Registry } from "@livesync/telemetry";
import { eventually, kubeConfigFor } from "@livesync/testkit";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import {
  addBucket,
  backupPath,
  backupPhase,
  bucketKeys,
  createBackup,
  listBackups,
  sourceNamespace,
  type BackupObj,
} from "./backup-fixture.js";
import { cond, Fixture } from "./fixture.js";

const env = inject("testenv");
const src = kubeConfigFor(env, "source");
let f: Fixture;
let template: Record<string, unknown>;
const registry = new Registry();

beforeAll(async () => {
  f = await Fixture.create(env, kubeConfigFor(env, "management"), "bk-sched");
  const srcNs = await sourceNamespace(f, src, 3);
  await addBucket(f, env, "store");
  template = { sourceName: "source", bucketName: "store", includedNamespaces: [srcNs] };
  const op = await f.operator({ engineOptions: { components: [] } });
  op.registerMetrics(registry);
});
afterAll(() => f?.close());

const schedule = (name: string, spec: Record<string, unknown>) =>
  f.create(backupPath(f, "backupschedules"), {
    apiVersion: "backup.livesync.dev/v1alpha1",
    kind: "BackupSchedule",
    metadata: { name },
    spec,
  });

describe("BackupSchedule and retention", () => {
  it("a schedule firing every minute keeps exactly maxBackups", { timeout: 240_000 }, async () => {
    // Two older Backups of the schedule, made first.
    for (const name of ["every-old-1", "every-old-2"]) {
      await createBackup(f, name, template, { [SCHEDULE_LABEL]: "every" });
      await backupPhase(f, name, ["Completed"]);
    }
    await schedule("every", { schedule: "* * * * *", maxBackups: 2, ttl: "1h", template });
    const ofSchedule = async () =>
      (await listBackups(f)).filter((b) => b.metadata.labels?.[SCHEDULE_LABEL] === "every");
    // One firing (within a minute): its Backup completes and retention drops the oldest.
    const fired = await eventually(
      async () => {
        const mine = await ofSchedule();
        const fresh = mine.find((b) => /^every-\d{14}$/.test(b.metadata.name));
        return fresh?.status?.phase === "Completed" &&
          !mine.some((b) => b.metadata.name === "every-old-1")
          ? fresh
          : undefined;
      },
      { timeoutMs: 150_000, intervalMs: 1_000, what: "a scheduled Backup and retention" },
    );
    // Stop it firing again while we look.
    await f.mergePatch(backupPath(f, "backupschedules", "every"), { spec: { paused: true } });
    const mine = await ofSchedule();
    const successful = mine.filter((b) =>
      ["Completed", "PartiallyFailed"].includes(b.status?.phase ?? ""),
    );
    expect(successful.length).toBe(2);
    expect(mine.map((b) => b.metadata.name)).toContain(fired.metadata.name);
    expect(await bucketKeys(env, f.ns, "store", "every-old-1")).toEqual([]);
    // The schedule's ttl went into the Backup it made.
    expect((fired.spec as { ttl?: string }).ttl).toBe("1h");

    const s = (await eventually(
      async () => {
        const o = (await f.get(backupPath(f, "backupschedules", "every"))) as BackupObj;
        return o.status?.phase === "Paused" ? o : undefined;
      },
      { what: "schedule Paused" },
    )) as BackupObj;
    expect(s.status?.lastBackup).toMatch(/^every-\d{14}$/);
    expect(s.status?.lastSuccessfulBackup).toMatch(/^every-/);
    const metrics = await registry.metrics();
    expect(metrics).toContain('livesync_backup_schedule_interval_seconds{schedule="every"} 60');
    expect(metrics).toMatch(/livesync_backup_total\{schedule="every",phase="Completed"\} [3-9]/);
    expect(metrics).toMatch(
      /livesync_backup_last_success_timestamp_seconds\{schedule="every"\} \d/,
    );
  });

  it("deletes a Backup past its TTL, data and object, and keeps the newest Completed one", async () => {
    await createBackup(f, "short-lived", { ...template, ttl: "1s" });
    await backupPhase(f, "short-lived", ["Completed"]);
    // The newest Completed backup is never deleted: "short-lived" goes once another completes.
    await createBackup(f, "kept", template);
    await backupPhase(f, "kept", ["Completed"]);
    await eventually(
      async () =>
        (await listBackups(f)).some((b) => b.metadata.name === "short-lived") ? undefined : true,
      { timeoutMs: 30_000, what: "short-lived deleted" },
    );
    expect(await bucketKeys(env, f.ns, "store", "short-lived")).toEqual([]);
    expect((await bucketKeys(env, f.ns, "store", "kept")).length).toBeGreaterThan(0);
  });

  it("an invalid schedule or time zone is FailedValidation, naming the field and value", async () => {
    // The CRD may refuse an expression outright; what it lets through, the operator reports.
    for (const [name, spec, field] of [
      ["bad-cron", { schedule: "61 * * * *" }, 'spec.schedule: "61 * * * *"'],
      [
        "bad-zone",
        { schedule: "0 3 * * *", timeZone: "Mars/Olympus" },
        'spec.timeZone: "Mars/Olympus"',
      ],
    ] as const) {
      try {
        await schedule(name, { ...spec, maxBackups: 1, template });
      } catch (err) {
        expect(err).toBeInstanceOf(KubeApiError);
        expect((err as KubeApiError).status).toBe(422);
        expect((err as Error).message).toContain(field.split(":")[0]!);
        continue;
      }
      const s = await f.condition(
        backupPath(f, "backupschedules", name),
        "Ready",
        (c) => c.reason === "FailedValidation",
      );
      expect((s as BackupObj).status?.phase).toBe("FailedValidation");
      expect(cond(s, "Ready")?.message).toContain(field);
    }
    expect((await listBackups(f)).some((b) => b.metadata.name.startsWith("bad-"))).toBe(false);
  });
});
