// Where a finished restore is recorded: restore.json (the Restore with its status) and
// audit.json (every object and what was done to it) in the bucket, next to the backups.

import type { Restore, RestoreSpec, RestoreStatus } from "@livesync/api";
import { restoreFileKey } from "@livesync/backup";
import type { BucketClient } from "@livesync/bucket";
import type { RestoreAudit } from "./result.js";

/** The restore files of a bucket (the backup package's BackupStore is one). */
export interface RestoreBucket {
  readonly target: {
    client: Pick<BucketClient, "label">;
    bucketNamespace: string;
    bucketName: string;
  };
  putRestoreFile(restore: string, file: string, body: string): Promise<void>;
  getRestoreFile(restore: string, file: string): Promise<string | undefined>;
}

export const RESTORE_FILES = { restore: "restore.json", audit: "audit.json" } as const;

/** The audit's location, s3://<bucket>/<key>. */
function location(bucket: RestoreBucket, restore: string, file: string): string {
  const { client, bucketNamespace, bucketName } = bucket.target;
  const m = /s3:\/\/([^ )]+)/.exec(client.label);
  return `s3://${m?.[1] ?? bucketName}/${restoreFileKey(bucketNamespace, bucketName, restore, file)}`;
}

/** Writes the audit, then restore.json (its status naming the audit); returns both. */
export async function writeRestoreRecord(
  opts: { name: string; spec: RestoreSpec; bucket?: RestoreBucket },
  status: RestoreStatus,
  audit: RestoreAudit,
): Promise<{ status: RestoreStatus; audit: RestoreAudit }> {
  const { bucket } = opts;
  if (!bucket) return { status, audit };
  await bucket.putRestoreFile(opts.name, RESTORE_FILES.audit, JSON.stringify(audit, null, 1));
  const withAudit = { ...status, auditLocation: location(bucket, opts.name, RESTORE_FILES.audit) };
  const restore: Restore = {
    apiVersion: "backup.livesync.dev/v1alpha1",
    kind: "Restore",
    metadata: { name: opts.name, namespace: bucket.target.bucketNamespace },
    spec: opts.spec,
    status: withAudit,
  };
  await bucket.putRestoreFile(opts.name, RESTORE_FILES.restore, JSON.stringify(restore, null, 1));
  return { status: withAudit, audit };
}

/** A finished restore's audit from the bucket, undefined when there is none. */
export async function readRestoreAudit(
  bucket: Pick<RestoreBucket, "getRestoreFile">,
  name: string,
): Promise<RestoreAudit | undefined> {
  const text = await bucket.getRestoreFile(name, RESTORE_FILES.audit);
  return text === undefined ? undefined : (JSON.parse(text) as RestoreAudit);
}
