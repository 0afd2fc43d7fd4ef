import type { RestoreStatus } from "@livesync/api";
import { describe, expect, it } from "vitest";
import { failedRestoreStatus, finalRestoreStatus } from "./restore-status.js";

const counts = { created: 3, updated: 1, deleted: 0, unchanged: 2, skipped: 1, failed: 0 };
const base: RestoreStatus = {
  phase: "Completed",
  startTime: "2026-12-01T10:00:00.000Z",
  completionTime: "2026-12-01T10:00:04.000Z",
  backups: ["b1"],
  dryRun: false,
  counts,
};

describe("restore statuses", () => {
  it("a refused restore: Failed, the reason and message in its Succeeded condition", () => {
    const s = failedRestoreStatus(
      "BackupNotFound",
      "spec.backupName: backup x not found",
      new Date(0),
      true,
    );
    expect(s.phase).toBe("Failed");
    expect(s.dryRun).toBe(true);
    expect(s.conditions?.[0]).toMatchObject({
      type: "Succeeded",
      status: "False",
      reason: "BackupNotFound",
      message: "spec.backupName: backup x not found",
    });
  });

  it("Completed: the counts in the condition; a dry run says nothing was written", () => {
    const done = finalRestoreStatus(base);
    expect(done.conditions?.[0]).toMatchObject({ status: "True", reason: "Completed" });
    expect(done.conditions?.[0]?.message).toBe(
      "3 created, 1 updated, 0 deleted, 2 unchanged, 1 skipped, 0 failed",
    );
    const dry = finalRestoreStatus({ ...base, dryRun: true });
    expect(dry.conditions?.[0]?.message).toMatch(/^dry run, nothing written/);
  });

  it("PartiallyFailed names the first failure; Failed carries the engine's reason", () => {
    const partial = finalRestoreStatus({
      ...base,
      phase: "PartiallyFailed",
      counts: { ...counts, failed: 1 },
      failures: [{ resource: "configmaps", namespace: "a", name: "c", message: "forbidden" }],
    });
    expect(partial.conditions?.[0]).toMatchObject({ status: "False", reason: "PartiallyFailed" });
    expect(partial.conditions?.[0]?.message).toContain("first failure: configmaps a c: forbidden");
    const failed = finalRestoreStatus({
      ...base,
      phase: "Failed",
      failures: [{ message: "backup b1 was made on v1.31.0" }],
    });
    expect(failed.conditions?.[0]?.message).toBe("backup b1 was made on v1.31.0");
  });

  it("a resumed restore says how many objects it found already restored", () => {
    const s = finalRestoreStatus(base, { skipped: 7 });
    expect(s.conditions?.find((c) => c.type === "Resumed")?.message).toContain("skipped 7 objects");
  });
});
