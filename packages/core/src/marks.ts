// Every mark livesync leaves on objects it writes or reads back: annotations, labels and field
// managers, in one place so that a reader sees the whole contract at a glance, and so that what
// one component writes another reads under the same name. livesync sets no finalizers; one it
// ever needs belongs here too.

/** Prefix of every annotation and label livesync writes; stripped from sources by sanitize. */
export const CONTROL_PREFIX = "livesync.dev/";

/**
 * On every copy in the destination: who owns it and which source version it reflects.
 * Ownership is a self-referencing annotation (not a label, which templates can leak to
 * children).
 */
export const ANNOTATIONS = {
  /** Owning LiveSynchronization, "<namespace>/<name>". */
  liveSync: "livesync.dev/live-synchronization",
  sourceCluster: "livesync.dev/source-cluster",
  sourceUid: "livesync.dev/source-uid",
  sourceResourceVersion: "livesync.dev/source-resource-version",
  /** sha256 of the applied object without livesync's own metadata. */
  contentHash: "livesync.dev/content-hash",
  /** On a destination namespace the synchronizer created for a copy: the LiveSynchronization. */
  createdBy: "livesync.dev/created-by",
} as const;

/** Value "true" on every copy: lets the reconciler list copies by label selector. */
export const MANAGED_LABEL = "livesync.dev/managed";

/** On every object archived in a bucket: the copy's own marks, plus when and what was stored. */
export const ARCHIVE_ANNOTATIONS = {
  liveSync: ANNOTATIONS.liveSync,
  sourceCluster: ANNOTATIONS.sourceCluster,
  sourceUid: ANNOTATIONS.sourceUid,
  sourceResourceVersion: ANNOTATIONS.sourceResourceVersion,
  /** ISO 8601 time of the write. */
  archivedAt: "livesync.dev/archived-at",
  /** sha256 (hex) of canonicalJson(original): lets recovery verify what it restores. */
  sha256: "livesync.dev/sha256",
} as const;

/**
 * Written by recovery with the last change to each object (in the same request), naming the
 * run: a run resumed after a crash skips the objects that carry its id, and redoes none of them.
 */
export const RECOVERED_BY_ANNOTATION = "livesync.dev/recovered-by";

/**
 * On every object a restore wrote, naming the restore: a user finds what it restored, and the
 * same restore started again after a crash skips the objects that carry its name and already
 * equal the backup.
 */
export const RESTORED_BY_ANNOTATION = "livesync.dev/restored-by";

/** Field manager of a restore's writes. */
export const RESTORE_FIELD_MANAGER = "livesync-restore";

/** Label on a generated Task naming its LiveSynchronization (same namespace). */
export const TASK_LIVE_SYNC_LABEL = "livesync.dev/live-synchronization";

/**
 * The synchronizer's field manager (server-side apply), also used by recovery's fromOriginal:
 * a restored copy is livesync's, as the synchronizer wrote it. The reconciler tells hand edits
 * from our writes by it.
 */
export const FIELD_MANAGER = "livesync";

/** Field manager of recovery's fromPatch writes (JSON patches are "Update" operations). */
export const RECOVERY_FIELD_MANAGER = "livesync-recovery";

/** Field manager of the operator's writes to the management cluster (its Tasks). */
export const OPERATOR_FIELD_MANAGER = "livesync-operator";
