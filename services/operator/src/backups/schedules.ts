// The BackupSchedule controller (leader only), run on every pass: its status (phase, nextRun,
// last and last successful Backup), and, when a slot is due, a Backup named
// <schedule>-<UTC yyyyMMddHHmmss of the slot>, labelled with the schedule, with the template
// as spec and the schedule's ttl. The Backups have no ownerReference: deleting or reinstalling
// the schedule (or the operator) never cascades to them or to their data; retention alone
// deletes them. The name comes from the slot, so a pass that repeats a creation (its status
// write lost, or a watch lagging behind) finds the Backup there and creates no second one.

import {
  apiVersionOf,
  type BackupSchedule,
  type BackupScheduleSpec,
  type BackupScheduleStatus,
} from "@livesync/api";
import { PRESET_ANNOTATION } from "@livesync/backup";
import type { Desired } from "../desired.js";
import { condition, mergeConditions, nsOf, type RawObject } from "../objects.js";
import { statusChanged } from "../status.js";
import { scheduleOf } from "./backup-runs.js";
import type { BackupObjects } from "./io.js";
import type { BackupMetrics } from "./metrics.js";
import { SCHEDULE_LABEL, scheduledBackupName } from "./names.js";
import { decideSchedule, scheduledTtl, type CronNext, type ScheduleDecision } from "./schedule.js";
import { checkBackupSpec, objectProblems } from "./validate.js";

export interface ScheduleControllerOptions {
  objects: BackupObjects;
  metrics: BackupMetrics;
  next: CronNext;
  /** Seconds between two slots (for the "no success within twice the interval" alert). */
  intervalSeconds: (schedule: string, timeZone: string | undefined) => number;
  onError: (err: Error) => void;
}

const MAX_LABEL_VALUE = 63;
const date = (s: unknown) => (typeof s === "string" && s ? new Date(s) : undefined);

export class ScheduleController {
  private readonly known = new Set<string>();

  constructor(private readonly opts: ScheduleControllerOptions) {}

  async sync(
    schedules: RawObject[],
    backups: RawObject[],
    desired: Desired,
    now = new Date(),
  ): Promise<void> {
    const names = new Set(schedules.map((s) => s.metadata.name));
    for (const gone of [...this.known].filter((n) => !names.has(n))) {
      this.opts.metrics.forgetSchedule(gone);
      this.known.delete(gone);
    }
    await Promise.all(
      schedules.map((s) =>
        this.one(s, backups, desired, now).catch((err: Error) => this.opts.onError(err)),
      ),
    );
  }

  private async one(
    s: RawObject,
    backups: RawObject[],
    desired: Desired,
    now: Date,
  ): Promise<void> {
    const spec = s.spec as Partial<BackupScheduleSpec> | undefined;
    const ns = nsOf(s);
    const name = s.metadata.name;
    const problems = objectProblems("BackupSchedule", s);
    if (name.length > MAX_LABEL_VALUE)
      problems.push(
        `metadata.name: "${name}" is longer than ${MAX_LABEL_VALUE} characters, the most the label ${SCHEDULE_LABEL} of its Backups can hold`,
      );
    if (!problems.length)
      problems.push(
        ...checkBackupSpec(
          spec?.template,
          ns,
          desired.manifests,
          desired.problems,
          "spec.template.",
        ).problems.map((p) => p.message),
      );
    const previous = (s.status ?? {}) as BackupScheduleStatus;
    const decision = decideSchedule(
      {
        spec,
        created: date(s.metadata.creationTimestamp) ?? now,
        lastBackupTime: date(previous.lastBackupTime),
        now,
      },
      this.opts.next,
      problems,
    );
    let last = { name: previous.lastBackup, time: previous.lastBackupTime };
    if (decision.phase === "Enabled" && decision.due) {
      const backup = scheduledBackup(s, spec as BackupScheduleSpec, decision.due);
      await this.opts.objects.createBackup(backup);
      last = { name: backup.metadata.name, time: now.toISOString() };
    }
    const mine = backups.filter((b) => nsOf(b) === ns && scheduleOf(b) === name);
    const success = newestCompleted(mine);
    if (decision.phase !== "FailedValidation") {
      this.known.add(name);
      this.opts.metrics.interval.set(
        { schedule: name },
        this.opts.intervalSeconds(spec!.schedule!, spec!.timeZone),
      );
      if (success?.time) this.opts.metrics.succeeded(name, success.time);
    }
    const status = scheduleStatus(s, decision, last, success);
    if (statusChanged(s.status, status))
      await this.opts.objects.patchStatus("BackupSchedule", s, status);
  }
}

/** The Backup a schedule creates for `slot`. */
export function scheduledBackup(s: RawObject, spec: BackupScheduleSpec, slot: Date): RawObject {
  const ttl = scheduledTtl(spec);
  // A preset schedule (the self-backup) makes preset Backups.
  const preset = s.metadata.annotations?.[PRESET_ANNOTATION];
  return {
    apiVersion: apiVersionOf("Backup"),
    kind: "Backup",
    metadata: {
      name: scheduledBackupName(s.metadata.name, slot),
      namespace: nsOf(s),
      labels: { [SCHEDULE_LABEL]: s.metadata.name },
      ...(preset ? { annotations: { [PRESET_ANNOTATION]: preset } } : {}),
    },
    spec: { ...spec.template, ...(ttl ? { ttl } : {}) },
  };
}

function newestCompleted(backups: RawObject[]): { name: string; time: string } | undefined {
  let best: { name: string; time: string } | undefined;
  for (const b of backups) {
    const time = b.status?.completionTime as string | undefined;
    if (b.status?.phase !== "Completed" || !time) continue;
    if (!best || Date.parse(time) > Date.parse(best.time)) best = { name: b.metadata.name, time };
  }
  return best;
}

function scheduleStatus(
  s: RawObject,
  d: ScheduleDecision,
  last: { name?: string; time?: string },
  success: { name: string; time: string } | undefined,
): Record<string, unknown> {
  const gen = s.metadata.generation;
  const ready =
    d.phase === "FailedValidation"
      ? condition("Ready", false, "FailedValidation", d.problems.join("; "), gen)
      : d.phase === "Paused"
        ? condition("Ready", true, "Paused", "spec.paused is true: no Backup is created", gen)
        : condition("Ready", true, "Enabled", `next Backup at ${d.nextRun.toISOString()}`, gen);
  const status: BackupSchedule["status"] = {
    ...(gen !== undefined ? { observedGeneration: gen } : {}),
    phase: d.phase,
    ...(last.name ? { lastBackup: last.name, lastBackupTime: last.time } : {}),
    ...(success
      ? { lastSuccessfulBackup: success.name, lastSuccessfulBackupTime: success.time }
      : {}),
    conditions: mergeConditions(s.status?.conditions, [ready]),
  };
  if (d.phase === "Enabled") return { ...status, nextRun: d.nextRun.toISOString() };
  // A merge patch keeps the fields it does not name: null clears a nextRun no longer planned.
  return s.status?.nextRun ? { ...status, nextRun: null } : { ...status };
}
