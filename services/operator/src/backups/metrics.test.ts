import { Registry } from "@livesync/telemetry";
import { describe, expect, it } from "vitest";
import { BackupMetrics } from "./metrics.js";

const registered = () => {
  const m = new BackupMetrics();
  const registry = new Registry();
  m.register(registry);
  return { m, text: () => registry.metrics() };
};

describe("BackupMetrics", () => {
  it("counts a finished backup by schedule and phase, with its duration and items", async () => {
    const { m, text } = registered();
    m.finished("nightly", {
      phase: "Completed",
      startTime: "2026-12-02T03:00:00Z",
      completionTime: "2026-12-02T03:00:42Z",
      itemsBackedUp: 120,
    });
    m.finished("", { phase: "Failed", completionTime: "2026-12-02T03:01:00Z" });
    const t = await text();
    expect(t).toContain('livesync_backup_total{schedule="nightly",phase="Completed"} 1');
    expect(t).toContain('livesync_backup_total{schedule="",phase="Failed"} 1');
    expect(t).toContain('livesync_backup_failures_total{schedule=""} 1');
    expect(t).not.toContain('livesync_backup_failures_total{schedule="nightly"}');
    expect(t).toContain(
      'livesync_backup_duration_seconds_bucket{le="60",schedule="nightly",phase="Completed"} 1',
    );
    expect(t).toContain(
      'livesync_backup_duration_seconds_bucket{le="30",schedule="nightly",phase="Completed"} 0',
    );
    expect(t).toContain('livesync_backup_items{schedule="nightly"} 120');
    expect(t).toContain(
      `livesync_backup_last_success_timestamp_seconds{schedule="nightly"} ${Date.parse("2026-12-02T03:00:42Z") / 1000}`,
    );
  });

  it("never moves the last success back in time, and forgets a deleted schedule", async () => {
    const { m, text } = registered();
    m.succeeded("s", "2026-12-02T03:00:00Z");
    m.succeeded("s", "2026-12-01T03:00:00Z");
    m.interval.set({ schedule: "s" }, 86_400);
    expect(await text()).toContain(
      `livesync_backup_last_success_timestamp_seconds{schedule="s"} ${Date.parse("2026-12-02T03:00:00Z") / 1000}`,
    );
    m.forgetSchedule("s");
    const t = await text();
    expect(t).not.toContain('schedule="s"');
  });
});
