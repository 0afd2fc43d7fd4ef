import { describe, expect, it } from "vitest";
import { decideSchedule, type CronNext } from "./schedule.js";
import { scheduledBackupName } from "./names.js";
import { scheduledBackup } from "./schedules.js";

// "* * * * *" as a clock: the next whole minute.
const everyMinute: CronNext = (_s, _tz, after) =>
  new Date(Math.floor(after.getTime() / 60_000) * 60_000 + 60_000);
const at = (hhmmss: string) => new Date(`2026-12-02T${hhmmss}Z`);
const spec = { schedule: "* * * * *", maxBackups: 3, template: { sourceName: "src" } };

describe("decideSchedule", () => {
  const created = at("10:00:30");
  it("is not due before its first slot, and says when that is", () => {
    const d = decideSchedule({ spec, created, now: at("10:00:45") }, everyMinute, []);
    expect(d).toEqual({ phase: "Enabled", nextRun: at("10:01:00") });
  });
  it("is due once its slot passed", () => {
    const d = decideSchedule({ spec, created, now: at("10:01:02") }, everyMinute, []);
    expect(d).toEqual({ phase: "Enabled", due: at("10:01:00"), nextRun: at("10:02:00") });
  });
  it("is not due again for a slot its last backup covered", () => {
    const d = decideSchedule(
      { spec, created, lastBackupTime: at("10:01:02"), now: at("10:01:30") },
      everyMinute,
      [],
    );
    expect(d).toEqual({ phase: "Enabled", nextRun: at("10:02:00") });
  });
  it("runs once, for the newest slot, after missing many while the operator was down", () => {
    const d = decideSchedule(
      { spec, created, lastBackupTime: at("10:01:02"), now: at("13:17:20") },
      everyMinute,
      [],
    );
    expect(d).toEqual({ phase: "Enabled", due: at("13:17:00"), nextRun: at("13:18:00") });
  });
  it("does nothing while paused, and fails validation with the problems", () => {
    expect(
      decideSchedule(
        { spec: { ...spec, paused: true }, created, now: at("11:00:00") },
        everyMinute,
        [],
      ),
    ).toEqual({ phase: "Paused" });
    expect(decideSchedule({ spec, created, now: at("11:00:00") }, everyMinute, ["x"])).toEqual({
      phase: "FailedValidation",
      problems: ["x"],
    });
  });
});

describe("scheduledBackupName", () => {
  it("is <schedule>-<UTC yyyyMMddHHmmss>", () => {
    expect(scheduledBackupName("nightly", new Date("2026-12-02T03:04:05.678Z"))).toBe(
      "nightly-20261202030405",
    );
  });
});

describe("scheduledBackup", () => {
  const schedule = (annotations?: Record<string, string>) => ({
    apiVersion: "backup.livesync.dev/v1alpha1",
    kind: "BackupSchedule",
    metadata: { name: "self", namespace: "ops", ...(annotations ? { annotations } : {}) },
  });
  const spec = { schedule: "0 3 * * *", maxBackups: 3, template: { sourceName: "mgmt" } };
  const slot = new Date("2026-12-02T03:00:00Z");
  it("a preset schedule makes preset Backups; others carry no annotation", () => {
    const preset = scheduledBackup(schedule({ "backup.livesync.dev/preset": "self" }), spec, slot);
    expect(preset.metadata.annotations).toEqual({ "backup.livesync.dev/preset": "self" });
    expect(scheduledBackup(schedule(), spec, slot).metadata.annotations).toBeUndefined();
  });
});
