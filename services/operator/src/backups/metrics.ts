// The backup metrics (names fixed: the chart's alerts and dashboard use them). `schedule` is
// the BackupSchedule that made the Backup, "" for one made by hand. Created unregistered;
// `register` puts them on the registry the operator serves on /metrics.

import type { BackupStatus } from "@livesync/api";
import { Counter, Gauge, Histogram, type Registry } from "@livesync/telemetry";

/** 1 s to 1 h. */
const DURATION_BUCKETS = [1, 5, 15, 30, 60, 120, 300, 600, 1200, 1800, 3600];

export class BackupMetrics {
  readonly duration = new Histogram({
    name: "livesync_backup_duration_seconds",
    help: "Time a backup took, from start to completion",
    labelNames: ["schedule", "phase"],
    buckets: DURATION_BUCKETS,
    registers: [],
  });
  readonly items = new Gauge({
    name: "livesync_backup_items",
    help: "Objects stored by the latest finished backup",
    labelNames: ["schedule"],
    registers: [],
  });
  readonly lastSuccess = new Gauge({
    name: "livesync_backup_last_success_timestamp_seconds",
    help: "Completion time of the newest Completed backup (unix seconds)",
    labelNames: ["schedule"],
    registers: [],
  });
  readonly failures = new Counter({
    name: "livesync_backup_failures_total",
    help: "Backups that ended Failed",
    labelNames: ["schedule"],
    registers: [],
  });
  readonly total = new Counter({
    name: "livesync_backup_total",
    help: "Backups finished, by final phase",
    labelNames: ["schedule", "phase"],
    registers: [],
  });
  readonly interval = new Gauge({
    name: "livesync_backup_schedule_interval_seconds",
    help: "Seconds between two runs of the BackupSchedule (the alert allows twice this without a success)",
    labelNames: ["schedule"],
    registers: [],
  });

  private readonly newestSuccess = new Map<string, number>();

  register(registry: Registry): void {
    for (const m of [
      this.duration,
      this.items,
      this.lastSuccess,
      this.failures,
      this.total,
      this.interval,
    ])
      registry.registerMetric(m);
  }

  /** A Backup reached its final phase in this process. */
  finished(schedule: string, s: BackupStatus): void {
    const phase = s.phase ?? "Failed";
    this.total.inc({ schedule, phase });
    if (phase === "Failed") this.failures.inc({ schedule });
    if (s.startTime && s.completionTime) {
      const seconds = (Date.parse(s.completionTime) - Date.parse(s.startTime)) / 1000;
      if (seconds >= 0) this.duration.observe({ schedule, phase }, seconds);
    }
    if (phase !== "Failed") this.items.set({ schedule }, s.itemsBackedUp ?? 0);
    if (phase === "Completed" && s.completionTime) this.succeeded(schedule, s.completionTime);
  }

  /** The newest success of a schedule as its status says (also after an operator restart). */
  succeeded(schedule: string, completionTime: string): void {
    const at = Date.parse(completionTime) / 1000;
    if (!Number.isFinite(at) || at <= (this.newestSuccess.get(schedule) ?? 0)) return;
    this.newestSuccess.set(schedule, at);
    this.lastSuccess.set({ schedule }, at);
  }

  /** Drops the series of a schedule that no longer exists. */
  forgetSchedule(schedule: string): void {
    for (const g of [this.interval, this.lastSuccess, this.items]) g.remove({ schedule });
    this.newestSuccess.delete(schedule);
  }
}
