// What a restore reports: the status (phase, counts per action and per resource, failures and
// warnings per object) and the audit (every object and what was done to it). Pure.

import type {
  BackupPhase,
  RestoreAction,
  RestoreCounts,
  RestoreItemProblem,
  RestoreStatus,
} from "@livesync/api";
import type { FieldChange } from "./diff.js";
import type { PlanEntry, PlannedAction } from "./plan.js";
import { tierName } from "./tiers.js";

/** One object after the run: what was done (or, in a dry run, would be), or why it failed. */
export interface Outcome {
  entry: PlanEntry;
  action: RestoreAction;
  error?: string;
  warning?: string;
}

/** One object in the audit. */
export interface AuditItem {
  apiVersion: string;
  kind: string;
  group: string;
  version: string;
  resource: string;
  namespace?: string;
  name: string;
  tier: string;
  action: RestoreAction;
  /** What was attempted, when action is "failed". */
  planned?: PlannedAction;
  reason?: string;
  error?: string;
  warning?: string;
  diff?: FieldChange[];
}

export interface RestoreAudit {
  restore: string;
  destination: string;
  dryRun: boolean;
  policy: string;
  phase: BackupPhase;
  startTime: string;
  completionTime: string;
  backups: string[];
  counts: RestoreCounts;
  /** A reason the whole restore failed before writing anything. */
  error?: string;
  items: AuditItem[];
}

const COUNT_OF: Record<RestoreAction, keyof RestoreCounts> = {
  create: "created",
  update: "updated",
  delete: "deleted",
  unchanged: "unchanged",
  skip: "skipped",
  failed: "failed",
};

export const emptyCounts = (): RestoreCounts => ({
  created: 0,
  updated: 0,
  deleted: 0,
  unchanged: 0,
  skipped: 0,
  failed: 0,
});

export function auditItem(o: Outcome): AuditItem {
  const { ref, apiVersion, tier, reason, diff } = o.entry;
  const item: AuditItem = {
    apiVersion,
    kind: ref.kind,
    group: ref.group,
    version: ref.version,
    resource: ref.resource,
    ...(ref.namespace !== undefined ? { namespace: ref.namespace } : {}),
    name: ref.name,
    tier: tierName(tier),
    action: o.action,
  };
  if (o.action === "failed") item.planned = o.entry.action;
  if (reason !== undefined) item.reason = reason;
  if (o.error !== undefined) item.error = o.error;
  const warning = o.warning ?? o.entry.warning;
  if (warning !== undefined) item.warning = warning;
  if (diff?.length) item.diff = diff;
  return item;
}

const problem = (o: Outcome, message: string): RestoreItemProblem => ({
  group: o.entry.ref.group,
  version: o.entry.ref.version,
  resource: o.entry.ref.resource,
  ...(o.entry.ref.namespace !== undefined ? { namespace: o.entry.ref.namespace } : {}),
  name: o.entry.ref.name,
  action: o.entry.action,
  message,
});

/** Completed without failures, PartiallyFailed with any failed object. */
export function restorePhase(outcomes: readonly Outcome[]): BackupPhase {
  return outcomes.some((o) => o.action === "failed") ? "PartiallyFailed" : "Completed";
}

export function restoreStatus(
  outcomes: readonly Outcome[],
  run: { startTime: string; completionTime: string; backups: string[]; dryRun: boolean },
): RestoreStatus {
  const counts = emptyCounts();
  const perResource = new Map<
    string,
    RestoreCounts & { group: string; version: string; resource: string }
  >();
  const failures: RestoreItemProblem[] = [];
  const warnings: RestoreItemProblem[] = [];
  for (const o of outcomes) {
    const key = COUNT_OF[o.action];
    counts[key]++;
    const { group, version, resource } = o.entry.ref;
    const id = `${group}/${version}/${resource}`;
    let r = perResource.get(id);
    if (!r) perResource.set(id, (r = { group, version, resource, ...emptyCounts() }));
    r[key]++;
    if (o.action === "failed") failures.push(problem(o, o.error ?? "failed"));
    const warning = o.warning ?? o.entry.warning;
    if (warning !== undefined) warnings.push(problem(o, warning));
  }
  return {
    phase: restorePhase(outcomes),
    startTime: run.startTime,
    completionTime: run.completionTime,
    backups: run.backups,
    dryRun: run.dryRun,
    counts,
    resources: [...perResource.values()],
    failures,
    warnings,
  };
}
