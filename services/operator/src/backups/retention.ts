// Which Backups retention deletes, pure. Per BackupSchedule: at most maxBackups successful
// (Completed or PartiallyFailed) Backups are kept, and at most maxBackups Failed ones (kept for
// diagnosis, not counted against the successful ones). Any Backup, scheduled or not, is deleted
// once its status.expiration has passed. Never deleted: a Backup not finished (New,
// InProgress), and the newest Completed Backup of each schedule (or, for Backups made by no
// schedule, of the namespace): whatever the count and the TTL say, one good backup remains.

import type { BackupPhase } from "@livesync/api";

export interface RetentionFacts {
  namespace: string;
  name: string;
  /** The BackupSchedule that made it ("" for none). */
  schedule: string;
  phase?: BackupPhase;
  /** status.startTime, else creationTimestamp: what "older" means. */
  started: string;
  /** status.completionTime (orders the "newest Completed"). */
  completed?: string;
  expiration?: string;
}

export interface Deletion {
  namespace: string;
  name: string;
  reason: "Expired" | "BeyondMaxBackups";
  message: string;
}

const SUCCESSFUL = new Set<BackupPhase | undefined>(["Completed", "PartiallyFailed"]);
const FINISHED = new Set<BackupPhase | undefined>(["Completed", "PartiallyFailed", "Failed"]);

const groupOf = (b: { namespace: string; schedule: string }) => `${b.namespace}/${b.schedule}`;
/** Times compared as instants: the apiserver writes whole seconds, others milliseconds. */
const later = (a: string, b: string) => Date.parse(b) - Date.parse(a);
const newestFirst = (a: RetentionFacts, b: RetentionFacts) =>
  later(a.started, b.started) || b.name.localeCompare(a.name);

/**
 * The Backups to delete now. `maxBackups`: "namespace/schedule" -> the schedule's maxBackups,
 * for the schedules that exist (the Backups of a deleted schedule only expire).
 */
export function retentionPlan(
  backups: RetentionFacts[],
  maxBackups: Map<string, number>,
  now: Date,
): Deletion[] {
  const groups = new Map<string, RetentionFacts[]>();
  for (const b of backups.filter((x) => FINISHED.has(x.phase))) {
    const g = groups.get(groupOf(b)) ?? [];
    g.push(b);
    groups.set(groupOf(b), g);
  }
  const out: Deletion[] = [];
  for (const [key, members] of groups) {
    members.sort(newestFirst);
    const protectedName = newestCompleted(members)?.name;
    const max = maxBackups.get(key);
    const beyond = new Set<string>();
    if (max !== undefined) {
      for (const ofKind of [
        members.filter((b) => SUCCESSFUL.has(b.phase)),
        members.filter((b) => b.phase === "Failed"),
      ])
        for (const b of ofKind.slice(max)) beyond.add(b.name);
    }
    for (const b of members) {
      if (b.name === protectedName) continue;
      const expired = b.expiration !== undefined && Date.parse(b.expiration) <= now.getTime();
      if (expired)
        out.push({
          namespace: b.namespace,
          name: b.name,
          reason: "Expired",
          message: `expired at ${b.expiration}`,
        });
      else if (beyond.has(b.name))
        out.push({
          namespace: b.namespace,
          name: b.name,
          reason: "BeyondMaxBackups",
          message: `BackupSchedule ${b.schedule} keeps ${max} ${b.phase === "Failed" ? "failed" : "successful"} backups; this one is older`,
        });
    }
  }
  return out;
}

function newestCompleted(members: RetentionFacts[]): RetentionFacts | undefined {
  return members
    .filter((b) => b.phase === "Completed")
    .sort(
      (a, b) => later(a.completed ?? a.started, b.completed ?? b.started) || newestFirst(a, b),
    )[0];
}
