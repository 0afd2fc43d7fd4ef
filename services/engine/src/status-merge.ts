// Split deployments run the synchronizer, the archiver and the events-listener in separate
// processes, and only each of them sees its own runtime problems (conflicts, bucket retries,
// failed objects). Each process reports its view of every LiveSynchronization; the operator
// merges the views of the processes it heard from recently into one status. Pure.

import type { Component } from "./live-sync-runtime.js";
import type { LiveSyncStatus } from "./engine.js";

/** One process's view of one LiveSynchronization, as published. */
export interface ProcessReport {
  /** The process (host, pid, random suffix): one report per process and LiveSynchronization. */
  process: string;
  components: Component[];
  /** When it was written (ISO 8601). */
  at: string;
  status: LiveSyncStatus;
}

/** A report older than this comes from a process that stopped or cannot reach NATS. */
export const REPORT_STALE_MS = 30_000;

/** The reports written within `staleMs` before `now`, by any process but `except`. */
export function liveReports(
  reports: ProcessReport[],
  now: number,
  opts: { staleMs?: number; except?: string } = {},
): ProcessReport[] {
  const oldest = now - (opts.staleMs ?? REPORT_STALE_MS);
  return reports.filter((r) => r.process !== opts.except && Date.parse(r.at) >= oldest);
}

const maxOf = (values: (number | undefined)[]): number | undefined => {
  const known = values.filter((v): v is number => v !== undefined);
  return known.length ? Math.max(...known) : undefined;
};

function mergedState(states: LiveSyncStatus["state"][]): LiveSyncStatus["state"] {
  if (states.includes("error")) return "error";
  if (states.includes("running")) return "running";
  if (states.every((s) => s === "suspended")) return "suspended";
  return "standby";
}

/**
 * One LiveSynchronization's status from several processes' views: every problem any of them
 * sees (once), the worst state, and per count the largest view (replicas of one component each
 * count the objects they handled, which overlap: the largest is a lower bound, exact with one
 * replica per component).
 */
export function mergeStatuses(views: LiveSyncStatus[]): LiveSyncStatus {
  if (views.length === 1) return views[0]!;
  const [first] = views;
  if (!first) throw new Error("mergeStatuses: no status to merge");
  const reconciles = views
    .map((v) => v.lastReconcile)
    .filter((r): r is NonNullable<typeof r> => r !== undefined)
    .sort((a, b) => b.at.localeCompare(a.at));
  const lagMs = maxOf(views.map((v) => v.lagMs));
  const archived = maxOf(views.map((v) => v.archived));
  return {
    liveSync: first.liveSync,
    state: mergedState(views.map((v) => v.state)),
    synced: Math.max(...views.map((v) => v.synced)),
    pending: Math.max(...views.map((v) => v.pending)),
    failed: Math.max(...views.map((v) => v.failed)),
    conflicts: Math.max(...views.map((v) => v.conflicts)),
    ...(lagMs !== undefined ? { lagMs } : {}),
    ...(archived !== undefined ? { archived } : {}),
    ...(reconciles[0] ? { lastReconcile: reconciles[0] } : {}),
    problems: [...new Set(views.flatMap((v) => v.problems))],
  };
}

/**
 * Every LiveSynchronization's status from this process's engine (if any) and the live reports
 * of the others; undefined when there is neither (nothing is known about the runtime).
 */
export function combineStatuses(
  local: LiveSyncStatus[] | undefined,
  reports: ProcessReport[] | undefined,
): LiveSyncStatus[] | undefined {
  if (!reports?.length) return local;
  const byLiveSync = new Map<string, LiveSyncStatus[]>();
  for (const s of [...(local ?? []), ...(reports ?? []).map((r) => r.status)]) {
    byLiveSync.set(s.liveSync, [...(byLiveSync.get(s.liveSync) ?? []), s]);
  }
  return [...byLiveSync.values()]
    .map(mergeStatuses)
    .sort((a, b) => a.liveSync.localeCompare(b.liveSync));
}
