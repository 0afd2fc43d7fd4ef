// @livesync/restore: restores backups into a clean or a dirty cluster: ordered tiers, per-kind
// restore rules, existingResourcePolicy none/update/revert, dry-run, audit and resume.
export { runRestore, type RunRestoreOptions, type RestoreResult } from "./restore.js";
export {
  resolveRestoreSources,
  pickRestoreSources,
  newestCompleted,
  SCHEDULE_LABEL,
} from "./sources.js";
export { openLiveArchive, ARCHIVE_SOURCE_NAME, type LiveArchiveBucket } from "./archive-source.js";
export { readRestoreAudit, RESTORE_FILES, type RestoreBucket } from "./record.js";
export { VersionSkewError, checkRestorable } from "./version.js";
export type { RestoreAudit, AuditItem } from "./result.js";
export type { FieldChange } from "./diff.js";
export { TIER_NAMES } from "./tiers.js";
