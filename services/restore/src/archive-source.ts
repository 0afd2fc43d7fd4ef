// The live archive as a backup: the newest originals the archiver keeps in a bucket (the data a
// TaskRun's fromOriginal restores), read the way recovery reads them, presented as a
// BackupArchive. Tombstones (objects deleted in the source) are left out. The archive is not a
// snapshot: each object is as of its own last change.

import type { Backup } from "@livesync/api";
import {
  BACKUP_FORMAT_VERSION,
  BackupIntegrityError,
  itemPath,
  type BackupArchive,
  type BackupIndexEntry,
  type BackupItem,
} from "@livesync/backup";
import type { BucketClient } from "@livesync/bucket";
import { archivePrefix, decodeArchiveEntry, parseArchiveKey, sha256Of } from "@livesync/core";
import { pool } from "@livesync/recovery";

/** The name the live archive goes by in a restore's status. */
export const ARCHIVE_SOURCE_NAME = "archive";

export interface LiveArchiveBucket {
  client: BucketClient;
  bucketNamespace: string;
  bucketName: string;
}

/** Splits the stored "<group or core>-<version>-<resource>" by the object's own apiVersion. */
function resourceOf(
  segment: string,
  apiVersion: string,
): { group: string; version: string; resource: string } | undefined {
  const [group, version] = apiVersion.includes("/") ? apiVersion.split("/") : ["", apiVersion];
  const prefix = `${group || "core"}-${version}-`;
  if (!version || !segment.startsWith(prefix)) return undefined;
  return { group: group!, version, resource: segment.slice(prefix.length) };
}

/** Reads every original of the bucket's live archive (tombstones left out). */
export async function openLiveArchive(bucket: LiveArchiveBucket): Promise<BackupArchive> {
  const where = bucket.client.label;
  const keys = (await bucket.client.list(archivePrefix(bucket)))
    .map((key) => ({ key, parsed: parseArchiveKey(key) }))
    .filter((k) => k.parsed !== undefined);
  const items: BackupItem[] = [];
  await pool(keys, 16, async ({ key, parsed }) => {
    const text = await bucket.client.get(key);
    if (text === undefined) return; // deleted since the listing
    let entry;
    try {
      entry = decodeArchiveEntry(text);
    } catch (err) {
      throw new BackupIntegrityError(
        `${where}: unreadable archive entry ${key}: ${(err as Error).message}`,
      );
    }
    if (entry.kind === "tombstone") return;
    if (!entry.verified)
      throw new BackupIntegrityError(`${where}: ${key} does not match its sha256 annotation`);
    const object = entry.original;
    const gvr = resourceOf(parsed!.gvrSegment, object.apiVersion);
    if (!gvr)
      throw new BackupIntegrityError(`${where}: ${key} holds a ${object.apiVersion} object`);
    const ref = {
      ...gvr,
      kind: object.kind,
      ...(parsed!.namespace ? { namespace: parsed!.namespace } : {}),
      name: parsed!.name,
    };
    const indexEntry: BackupIndexEntry = {
      ...ref,
      path: itemPath(ref),
      uid: entry.marks.sourceUid ?? "",
      resourceVersion: entry.marks.sourceResourceVersion ?? "",
      sha256: sha256Of(object),
    };
    items.push({ entry: indexEntry, object });
  });
  const now = new Date().toISOString();
  const backup: Backup = {
    apiVersion: "backup.livesync.dev/v1alpha1",
    kind: "Backup",
    metadata: { name: ARCHIVE_SOURCE_NAME, namespace: bucket.bucketNamespace },
    spec: { sourceName: "", bucketName: bucket.bucketName },
    status: { phase: "Completed", completionTime: now, atomic: false },
  };
  return {
    backup,
    // The archive records no Kubernetes version: no skew check is possible (see checkRestorable).
    index: {
      format: BACKUP_FORMAT_VERSION,
      backup: ARCHIVE_SOURCE_NAME,
      resourceVersion: "",
      atomic: false,
      kubernetesVersion: "",
      createdAt: now,
      items: items.map((i) => i.entry),
    },
    items: async function* () {
      yield* items;
    },
  };
}
