// The statuses the Restore controller writes around the engine's own: a Restore that failed
// before anything was written, and the final status with a Succeeded condition (and, for a
// resumed restore, a Resumed one). Pure.

import type { Condition, RestoreStatus } from "@livesync/api";
import type { RestoreAudit } from "@livesync/restore";
import { condition } from "../objects.js";

/** A Restore refused before anything was written: why. */
export function failedRestoreStatus(
  reason: string,
  message: string,
  now: Date,
  dryRun: boolean,
  startTime?: string,
): RestoreStatus {
  return {
    phase: "Failed",
    ...(startTime ? { startTime } : {}),
    completionTime: now.toISOString(),
    dryRun,
    conditions: [condition("Succeeded", false, reason, message)],
  };
}

/** Objects a resumed run found already restored by this Restore (skipped, not redone). */
export const alreadyRestored = (audit: RestoreAudit, restore: string) =>
  audit.items.filter((i) => i.action === "skip" && i.reason === `already restored by ${restore}`)
    .length;

/** The engine's final status with the conditions a user reads first. */
export function finalRestoreStatus(s: RestoreStatus, resumed?: { skipped: number }): RestoreStatus {
  const phase = s.phase === "InProgress" || !s.phase ? "Failed" : s.phase;
  const c = s.counts;
  const counts = `${c?.created ?? 0} created, ${c?.updated ?? 0} updated, ${c?.deleted ?? 0} deleted, ${c?.unchanged ?? 0} unchanged, ${c?.skipped ?? 0} skipped, ${c?.failed ?? 0} failed`;
  const first = s.failures?.[0];
  const message =
    phase === "Failed"
      ? (first?.message ?? "failed")
      : `${s.dryRun ? "dry run, nothing written; a restore would do: " : ""}${counts}${first ? `; first failure: ${describe(first)}` : ""}`;
  const conditions: Condition[] = [condition("Succeeded", phase === "Completed", phase, message)];
  if (resumed)
    conditions.push(
      condition(
        "Resumed",
        true,
        "OperatorRestarted",
        `the operator stopped while this restore ran; it was resumed and skipped ${resumed.skipped} objects it had already restored`,
      ),
    );
  return { ...s, phase, conditions };
}

function describe(p: NonNullable<RestoreStatus["failures"]>[number]): string {
  const where = [p.resource, p.namespace, p.name].filter(Boolean).join(" ");
  return where ? `${where}: ${p.message}` : p.message;
}
