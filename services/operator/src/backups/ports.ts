// What the backup controllers need from the backup library, as two narrow ports: a Bucket's
// backups (write one, list, delete) and the snapshot run. backend.ts provides the real ones.

import type { Backup, BackupSpec, BackupStatus, Bucket, Secret } from "@livesync/api";
import type { BackupWriter } from "@livesync/backup";
import type { Cluster } from "@livesync/kube";

/** The backups of one Bucket. */
export interface BackupBucket {
  /** "bucket <ns>/<name> (s3://... at ...)", for messages. */
  readonly label: string;
  /** Throws a clear error when the bucket cannot be reached with the Secret's credentials. */
  check(): Promise<void>;
  /**
   * Starts writing backup `name` (refused when the bucket already holds one of that name),
   * encrypted with `key` when given.
   */
  openWriter(name: string, key?: Buffer): Promise<BackupWriter>;
  /** The backup.json of every complete backup in the bucket. */
  list(): Promise<Backup[]>;
  /** Removes every file of backup `name` (nothing when there is none). */
  delete(name: string): Promise<void>;
  close(): void;
}

export type OpenBackupBucket = (bucket: Bucket, secrets: Secret[]) => BackupBucket;

export interface RunBackupArgs {
  name: string;
  namespace: string;
  /** The Backup's labels, kept in the bucket's backup.json. */
  labels?: Record<string, string>;
  spec: BackupSpec;
  source: Cluster;
  writer: BackupWriter;
  onProgress?: (p: { itemsBackedUp: number; itemsTotal?: number }) => void;
}

/** Takes the snapshot into the writer; resolves with the final status (never InProgress). */
export type RunBackup = (args: RunBackupArgs) => Promise<BackupStatus>;

export interface BackupBackend {
  openBucket: OpenBackupBucket;
  run: RunBackup;
}
