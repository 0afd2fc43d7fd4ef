// The backup format: what a backup is made of, where it lives in a bucket, and how a reader
// sees it. A person can read a backup with tar and jq alone:
//
//   <archive>.tgz (gzip'd POSIX tar; AES-256-GCM encrypted when the Backup asks for it)
//     resources/<group>/<version>/<resource>/<namespace or _cluster>/<name>.json
//     results.json                     BackupResults (warnings and errors)
//     backup.json                      the Backup object (spec and status at completion)
//     index.json                       BackupIndex, written last: it holds every file's sha256
//
// In a Bucket, next to the live archive, <bucket namespace>/<bucket name>/backups/<backup>/
// holds the same backup.json, the archive, index.json (plain, even for an encrypted archive,
// so listing and verifying need no key) and results.json (warnings and errors).

import type { Backup, BackupProblem, KubeObject } from "@livesync/api";

/**
 * Semver of the format. A minor bump adds only what older readers may ignore (they still
 * read it); a major bump is refused by older readers.
 */
export const BACKUP_FORMAT_VERSION = "1.0.0";

/** Label of a Backup made by a BackupSchedule: the schedule's name (restores find them by it). */
export const SCHEDULE_LABEL = "backup.livesync.dev/schedule";

/** Folder segment of cluster-scoped objects (a namespace cannot start with "_"). */
export const CLUSTER_SCOPE_SEGMENT = "_cluster";
/** Folder segment of the core group (no API group is named "core": CRD groups contain a dot). */
export const CORE_GROUP_SEGMENT = "core";

/** Names of the files of a backup, in the archive and in its bucket folder. */
export const BACKUP_FILES = {
  backup: "backup.json",
  index: "index.json",
  results: "results.json",
  archive: "resources.tgz",
  encryptedArchive: "resources.tgz.enc",
} as const;

/** One object of a backup, as listed in the index. */
export interface BackupIndexEntry {
  /** Path inside the archive, resources/<group>/<version>/<resource>/<ns or _cluster>/<name>.json. */
  path: string;
  group: string;
  version: string;
  resource: string;
  kind: string;
  /** Absent for cluster-scoped objects. */
  namespace?: string;
  name: string;
  /** The source object's uid (the stored object is sanitised and has none). */
  uid: string;
  /** The source object's resourceVersion. */
  resourceVersion: string;
  /** sha256 (hex) of the file's bytes in the archive (plaintext). */
  sha256: string;
}

export interface BackupIndex {
  /** BACKUP_FORMAT_VERSION of the writer. */
  format: string;
  /** The Backup's name. */
  backup: string;
  /** The snapshot's resourceVersion (etcd revision). */
  resourceVersion: string;
  atomic: boolean;
  /** The source's gitVersion. */
  kubernetesVersion: string;
  /** ISO time the snapshot was taken. */
  createdAt: string;
  items: BackupIndexEntry[];
  /**
   * sha256 (hex) of the archive's other files (backup.json, results.json), by path. Optional:
   * readers of an index without it skip their check.
   */
  files?: Record<string, string>;
}

export interface BackupResults {
  warnings: BackupProblem[];
  errors: BackupProblem[];
}

/** One stored object, read back (its sha256 already checked against the index). */
export interface BackupItem {
  entry: BackupIndexEntry;
  object: KubeObject;
}

/** A backup opened for reading, from a local file or a bucket. */
export interface BackupArchive {
  readonly backup: Backup;
  readonly index: BackupIndex;
  /**
   * Every object in archive order, streamed; each file's sha256 is checked against the index and
   * a mismatch throws a BackupIntegrityError naming the object.
   */
  items(): AsyncIterable<BackupItem>;
}

/** A backup's content does not match its index (or the index is missing or unreadable). */
export class BackupIntegrityError extends Error {
  constructor(
    message: string,
    /** The index entry concerned, when one object is at fault. */
    readonly entry?: BackupIndexEntry,
  ) {
    super(message);
    this.name = "BackupIntegrityError";
  }
}

/** The archive's format is newer (major) than this reader understands. */
export class UnsupportedFormatError extends Error {
  constructor(readonly found: string) {
    super(
      `backup format ${found} is newer than this livesync reads (${BACKUP_FORMAT_VERSION}); upgrade livesync`,
    );
    this.name = "UnsupportedFormatError";
  }
}

/** Path of an object inside the archive. */
export function itemPath(ref: {
  group: string;
  version: string;
  resource: string;
  namespace?: string;
  name: string;
}): string {
  const group = ref.group || CORE_GROUP_SEGMENT;
  const scope = ref.namespace || CLUSTER_SCOPE_SEGMENT;
  return `resources/${group}/${ref.version}/${ref.resource}/${scope}/${ref.name}.json`;
}

/** "<bucket namespace>/<bucket name>/backups/": where a Bucket's backups live. */
export function backupsPrefix(bucketNamespace: string, bucketName: string): string {
  return `${bucketNamespace}/${bucketName}/backups/`;
}

/** The key of one file of a backup in its bucket. */
export function backupFileKey(
  bucketNamespace: string,
  bucketName: string,
  backup: string,
  file: string,
): string {
  return `${backupsPrefix(bucketNamespace, bucketName)}${backup}/${file}`;
}

/** "<bucket namespace>/<bucket name>/restores/<restore>/<file>": a restore's audit and record. */
export function restoreFileKey(
  bucketNamespace: string,
  bucketName: string,
  restore: string,
  file: string,
): string {
  return `${bucketNamespace}/${bucketName}/restores/${restore}/${file}`;
}

/** True when a reader of BACKUP_FORMAT_VERSION can read `format` (same major). */
export function isReadableFormat(format: string): boolean {
  const major = (v: string) => Number.parseInt(v.split(".")[0] ?? "", 10);
  return Number.isFinite(major(format)) && major(format) <= major(BACKUP_FORMAT_VERSION);
}

/** Where a finished backup archive was stored. */
export interface StoredArchive {
  /** s3://<bucket>/<key> or the local file's absolute path. */
  location: string;
  /** sha256 (hex) of the stored bytes (encrypted bytes when encrypted). */
  sha256: string;
  size: number;
  encrypted: boolean;
}

/**
 * Streams a backup out as it is taken: objects go to the tarball one by one (memory stays flat),
 * the index and backup.json are written last. Implemented for a local file and for a bucket.
 */
export interface BackupWriter {
  /** Adds one (already sanitised) object; entry.path and entry.sha256 are computed here. */
  add(entry: Omit<BackupIndexEntry, "path" | "sha256">, object: KubeObject): Promise<void>;
  /**
   * Writes index.json and backup.json (with status.location/sha256/size filled in from the
   * stored archive), closes the archive and stores results.json; returns where it went.
   */
  finish(
    index: Omit<BackupIndex, "items">,
    backup: Backup,
    results: BackupResults,
  ): Promise<StoredArchive>;
  /** Drops whatever was written (a failed backup leaves no partial archive behind). */
  abort(): Promise<void>;
  /**
   * Optional: drops every object added so far and starts an empty archive, because the snapshot
   * starts again from a newer revision (its revision was compacted mid-backup). A writer
   * without it still works: the rest of that backup is then listed non-atomically.
   */
  reset?(): Promise<void>;
}
