// Names the backup controllers share: the label and annotation they put on Backups, and how a
// scheduled Backup is named.

export { SCHEDULE_LABEL } from "@livesync/backup";
/** Annotation of a Backup created from its bucket's backup.json (not run here). */
export const SYNCED_ANNOTATION = "backup.livesync.dev/synced-from-bucket";

/** `<schedule>-<UTC yyyyMMddHHmmss>`: sorts by time, and one firing per second at most. */
export function scheduledBackupName(schedule: string, at: Date): string {
  const stamp = at
    .toISOString()
    .replace(/\.\d+Z$/, "")
    .replace(/[-:T]/g, "");
  return `${schedule}-${stamp}`;
}
