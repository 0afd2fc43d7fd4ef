// The restore metrics (names fixed: the chart's dashboard uses them). Created unregistered;
// `register` puts them on the registry the operator serves on /metrics.

import type { RestoreCounts, RestoreStatus } from "@livesync/api";
import { Counter, Histogram, type Registry } from "@livesync/telemetry";

/** 1 s to 1 h. */
const DURATION_BUCKETS = [1, 5, 15, 30, 60, 120, 300, 600, 1200, 1800, 3600];

/** The action label of each count, as the audit names actions. */
const ACTIONS: Record<keyof RestoreCounts, string> = {
  created: "create",
  updated: "update",
  deleted: "delete",
  unchanged: "unchanged",
  skipped: "skip",
  failed: "failed",
};

export class RestoreMetrics {
  readonly duration = new Histogram({
    name: "livesync_restore_duration_seconds",
    help: "Time a restore took, from start to completion, by final phase",
    labelNames: ["phase"],
    buckets: DURATION_BUCKETS,
    registers: [],
  });
  readonly items = new Counter({
    name: "livesync_restore_items_total",
    help: "Objects handled by finished restores, by action (create, update, delete, unchanged, skip, failed)",
    labelNames: ["action"],
    registers: [],
  });

  register(registry: Registry): void {
    registry.registerMetric(this.duration);
    registry.registerMetric(this.items);
  }

  /** A Restore reached its final phase in this process. */
  finished(s: RestoreStatus): void {
    const phase = s.phase ?? "Failed";
    if (s.startTime && s.completionTime) {
      const seconds = (Date.parse(s.completionTime) - Date.parse(s.startTime)) / 1000;
      if (seconds >= 0) this.duration.observe({ phase }, seconds);
    }
    for (const [count, action] of Object.entries(ACTIONS)) {
      const n = s.counts?.[count as keyof RestoreCounts] ?? 0;
      if (n > 0) this.items.inc({ action }, n);
    }
  }
}
