import { Gauge, type Registry } from "@livesync/telemetry";
import type { Engine, LiveSyncStatus } from "./engine.js";

/**
 * The engine's state as Prometheus gauges, read at scrape time (one status() per scrape).
 * Label `live_sync` is "<namespace>/<name>".
 */
export function registerEngineMetrics(registry: Registry, engine: Engine): void {
  let cached: { at: number; value: Promise<LiveSyncStatus[]> } | undefined;
  const statuses = () => {
    if (!cached || Date.now() - cached.at > 500)
      cached = { at: Date.now(), value: engine.status() };
    return cached.value;
  };
  const perLiveSync = (
    name: string,
    help: string,
    value: (s: LiveSyncStatus) => number | undefined,
  ) =>
    new Gauge({
      name,
      help,
      labelNames: ["live_sync"],
      registers: [registry],
      async collect() {
        this.reset();
        for (const s of await statuses()) {
          const v = value(s);
          if (v !== undefined) this.set({ live_sync: s.liveSync }, v);
        }
      },
    });
  perLiveSync(
    "livesync_synced_objects",
    "Objects whose destination copy is current",
    (s) => s.synced,
  );
  perLiveSync(
    "livesync_failed_objects",
    "Objects whose events were dead-lettered",
    (s) => s.failed,
  );
  perLiveSync(
    "livesync_conflicts",
    "Events skipped because the destination object is not ours",
    (s) => s.conflicts,
  );
  perLiveSync(
    "livesync_retrying_objects",
    "Objects waiting out a destination outage (unreachable, 5xx, throttled); retried, never dropped",
    (s) => s.retrying,
  );
  perLiveSync(
    "livesync_last_apply_lag_seconds",
    "Source change observed to destination write, last event",
    (s) => (s.lagMs === undefined ? undefined : s.lagMs / 1000),
  );
  perLiveSync(
    "livesync_listener_active",
    "1 when this process runs the events-listener (holds the lease)",
    (s) => (s.state === "running" ? 1 : 0),
  );
  perLiveSync(
    "livesync_problems",
    "Problems reported in the status (0 when healthy)",
    (s) => s.problems.length,
  );
  perLiveSync(
    "livesync_archived_objects",
    "Originals written to the bucket by this process",
    (s) => s.archived,
  );
  perLiveSync(
    "livesync_reconcile_last_pruned",
    "Copies pruned by the last reconcile pass",
    (s) => s.lastReconcile?.pruned,
  );
  perLiveSync(
    "livesync_reconcile_last_repaired",
    "Hand-edited copies repaired by the last pass",
    (s) => s.lastReconcile?.repaired,
  );
  perLiveSync(
    "livesync_reconcile_last_stale",
    "Copies found behind their source (lost or late updates) and re-sent by the last pass",
    (s) => s.lastReconcile?.stale,
  );
  perLiveSync(
    "livesync_reconcile_last_duration_seconds",
    "Duration of the last reconcile pass",
    (s) => (s.lastReconcile ? s.lastReconcile.durationMs / 1000 : undefined),
  );
  perLiveSync(
    "livesync_reconcile_refused",
    "Resources the last pass refused to prune (failed or empty source list)",
    (s) => s.lastReconcile?.resources.filter((r) => r.refused).length,
  );
  new Gauge({
    name: "livesync_events_pending",
    help: "Events not yet applied by the synchronizer, all LiveSynchronizations together (one shared consumer)",
    registers: [registry],
    async collect() {
      const s = await statuses();
      this.set(s[0]?.pending ?? 0);
    },
  });
}
