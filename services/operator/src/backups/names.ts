// Names the backup controllers share: the API group's paths, the label and annotations they
// put on Backups, and how a scheduled Backup is named.

import type { ResourceInfo } from "@livesync/kube";

export const BACKUP_GROUP = "backup.livesync.dev";
export const BACKUP_VERSION = "v1alpha1";
export const BACKUP_API_VERSION = `${BACKUP_GROUP}/${BACKUP_VERSION}`;

/** Label of a Backup made by a BackupSchedule: the schedule's name. */
export const SCHEDULE_LABEL = "backup.livesync.dev/schedule";
/** Annotation of a Backup created from its bucket's backup.json (not run here). */
export const SYNCED_ANNOTATION = "backup.livesync.dev/synced-from-bucket";

export type BackupKind = "Backup" | "BackupSchedule";
const PLURALS: Record<BackupKind, string> = {
  Backup: "backups",
  BackupSchedule: "backupschedules",
};

export function backupKindInfo(kind: BackupKind): ResourceInfo {
  return {
    group: BACKUP_GROUP,
    version: BACKUP_VERSION,
    resource: PLURALS[kind],
    kind,
    namespaced: true,
    verbs: [],
  };
}

export const backupKindPath = (kind: BackupKind, namespace: string, name?: string) =>
  `/apis/${BACKUP_API_VERSION}/namespaces/${namespace}/${PLURALS[kind]}${name ? `/${name}` : ""}`;

/** `<schedule>-<UTC yyyyMMddHHmmss>`: sorts by time, and one firing per second at most. */
export function scheduledBackupName(schedule: string, at: Date): string {
  const stamp = at
    .toISOString()
    .replace(/\.\d+Z$/, "")
    .replace(/[-:T]/g, "");
  return `${schedule}-${stamp}`;
}
