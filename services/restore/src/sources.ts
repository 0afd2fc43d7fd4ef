// Which backups a Restore restores: a name, `latest` (the newest Completed backup), the latest
// successful backup of a schedule, or one per schedule (`backups`: latest | skip | a name),
// resolved from the backups a bucket holds. Pure apart from the listing.

import type { Backup, RestoreSpec } from "@livesync/api";
import { SCHEDULE_LABEL } from "@livesync/backup";

export { SCHEDULE_LABEL };

const completedAt = (b: Backup) => b.status?.completionTime ?? "";

/** The newest Completed backup among `backups` (by completionTime), or undefined. */
export function newestCompleted(backups: readonly Backup[]): Backup | undefined {
  return backups
    .filter((b) => b.status?.phase === "Completed")
    .reduce<Backup | undefined>(
      (best, b) => (!best || completedAt(b) > completedAt(best) ? b : best),
      undefined,
    );
}

/** The backup names to restore, in order; throws naming what could not be found. */
export function pickRestoreSources(
  spec: RestoreSpec,
  backups: readonly Backup[],
  where: string,
): string[] {
  const ofSchedule = (s: string) =>
    backups.filter((b) => b.metadata.labels?.[SCHEDULE_LABEL] === s);
  const latestOf = (list: readonly Backup[], what: string) => {
    const b = newestCompleted(list);
    if (!b) throw new Error(`no Completed backup ${what} in ${where}`);
    return b.metadata.name;
  };
  const named = (name: string) => {
    if (!backups.some((b) => b.metadata.name === name))
      throw new Error(`backup ${name} not found in ${where}`);
    return name;
  };
  const ways = [spec.backupName, spec.scheduleName, spec.backups].filter((w) => w !== undefined);
  if (ways.length !== 1) {
    throw new Error("a restore names exactly one of backupName, scheduleName and backups");
  }
  if (spec.backupName !== undefined) {
    return [spec.backupName === "latest" ? latestOf(backups, "") : named(spec.backupName)];
  }
  if (spec.scheduleName !== undefined) {
    return [latestOf(ofSchedule(spec.scheduleName), `of schedule ${spec.scheduleName}`)];
  }
  const names: string[] = [];
  for (const [schedule, choice] of Object.entries(spec.backups!)) {
    if (choice === "skip") continue;
    names.push(
      choice === "latest"
        ? latestOf(ofSchedule(schedule), `of schedule ${schedule}`)
        : named(choice),
    );
  }
  if (names.length === 0) throw new Error("backups: every schedule is skipped, nothing to restore");
  return names;
}

/** Resolves a Restore's backups from a bucket's store (a BackupStore, or anything that lists). */
export async function resolveRestoreSources(
  spec: RestoreSpec,
  store: { list(): Promise<Backup[]>; readonly label?: string },
): Promise<string[]> {
  return pickRestoreSources(spec, await store.list(), store.label ?? "the bucket");
}
