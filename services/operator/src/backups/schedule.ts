// When a BackupSchedule fires, pure: its phase, the slot due now (if any) and the next run,
// from the cron expression, the time of its last Backup and the clock. A slot missed while the
// operator was down fires ONCE on start (the newest missed slot), not once per missed slot.

import type { BackupScheduleSpec } from "@livesync/api";

/** The first slot of `schedule` (5-field cron read in `timeZone`) strictly after `after`. */
export type CronNext = (schedule: string, timeZone: string | undefined, after: Date) => Date;

/** Beyond this many missed slots the newest is not searched for: `now` stands for it. */
const MAX_MISSED_SLOTS = 100_000;

export type ScheduleDecision =
  | { phase: "FailedValidation"; problems: string[] }
  | { phase: "Paused" }
  | {
      phase: "Enabled";
      /** The slot to run now, if one passed since the last Backup (the newest such slot). */
      due?: Date;
      nextRun: Date;
    };

export interface ScheduleFacts {
  spec: Partial<BackupScheduleSpec> | undefined;
  /** The schedule's creationTimestamp: no slot before it is ever due. */
  created: Date;
  /** status.lastBackupTime: slots up to it are done. */
  lastBackupTime?: Date;
  now: Date;
}

/** What the schedule does now; any of `problems` (validation, the template's references) fails it. */
export function decideSchedule(
  f: ScheduleFacts,
  next: CronNext,
  problems: string[],
): ScheduleDecision {
  if (problems.length) return { phase: "FailedValidation", problems };
  const spec = f.spec!;
  if (spec.paused) return { phase: "Paused" };
  const done = f.lastBackupTime && f.lastBackupTime > f.created ? f.lastBackupTime : f.created;
  let slot = next(spec.schedule!, spec.timeZone, done);
  if (slot > f.now) return { phase: "Enabled", nextRun: slot };
  // Missed slots collapse into one run: the newest slot not after now.
  let due = slot;
  for (let i = 0; i < MAX_MISSED_SLOTS; i++) {
    slot = next(spec.schedule!, spec.timeZone, due);
    if (slot > f.now) return { phase: "Enabled", due, nextRun: slot };
    due = slot;
  }
  return { phase: "Enabled", due: f.now, nextRun: next(spec.schedule!, spec.timeZone, f.now) };
}

/** The TTL of a scheduled Backup: the schedule's, else its template's (else the default). */
export function scheduledTtl(spec: BackupScheduleSpec): string | undefined {
  return spec.ttl ?? spec.template.ttl;
}
