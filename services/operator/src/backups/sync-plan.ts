// Bucket sync, the pure part: the bucket is the source of truth for finished backups. A backup
// in the bucket with no Backup object of its name in the Bucket's namespace gets one (so a new
// operator on a fresh cluster shows the backups an old one made); a successful Backup object of
// this bucket whose data is gone from it (deleted with the CLI) is removed. Backups not finished
// are never touched, nor those finished after the bucket was listed (their data may just have
// been written).

import type { Backup, BackupPhase } from "@livesync/api";
import { SYNCED_ANNOTATION } from "./names.js";

/** A Backup object as sync sees it. */
export interface SyncedObject {
  name: string;
  bucketName?: string;
  phase?: BackupPhase;
  completionTime?: string;
}

export interface SyncPlan {
  /** Backup objects to create (metadata, spec, status), from the bucket's backup.json. */
  create: Backup[];
  /** Names of Backup objects whose bucket data vanished. */
  remove: string[];
}

const WITH_DATA = new Set<BackupPhase | undefined>(["Completed", "PartiallyFailed"]);

export function syncPlan(
  bucket: { namespace: string; name: string },
  inBucket: Backup[],
  objects: SyncedObject[],
  listedAt: Date,
): SyncPlan {
  const existing = new Set(objects.map((o) => o.name));
  const stored = new Set(inBucket.map((b) => b.metadata.name));
  const create = inBucket
    .filter((b) => !existing.has(b.metadata.name) && WITH_DATA.has(b.status?.phase))
    .map((b) => objectFromBucket(b, bucket));
  const remove = objects
    .filter(
      (o) =>
        o.bucketName === bucket.name &&
        WITH_DATA.has(o.phase) &&
        !stored.has(o.name) &&
        o.completionTime !== undefined &&
        Date.parse(o.completionTime) < listedAt.getTime(),
    )
    .map((o) => o.name);
  return { create, remove };
}

/** The Backup object for a backup.json: its labels kept, placed in the Bucket's namespace. */
export function objectFromBucket(b: Backup, bucket: { namespace: string; name: string }): Backup {
  return {
    apiVersion: b.apiVersion,
    kind: "Backup",
    metadata: {
      name: b.metadata.name,
      namespace: bucket.namespace,
      ...(b.metadata.labels ? { labels: b.metadata.labels } : {}),
      annotations: {
        ...(b.metadata.annotations ?? {}),
        [SYNCED_ANNOTATION]: `${bucket.namespace}/${bucket.name}`,
      },
    },
    spec: { ...b.spec, bucketName: bucket.name },
    ...(b.status ? { status: b.status } : {}),
  };
}
