// The backups a Restore reads, opened from its Bucket: the names its spec resolves to (or, for
// a resumed Restore, the names its status recorded, so `latest` stays the backup it was), each
// with its key when encrypted, or the live archive with fromArchive.

import type { RestoreSpec, Secret } from "@livesync/api";
import { backupKeyFromSecrets, type BackupArchive, type BackupStore } from "@livesync/backup";
import { ARCHIVE_SOURCE_NAME, openLiveArchive, resolveRestoreSources } from "@livesync/restore";

/** A Restore's backup that cannot be found or opened: the field it comes from, and why. */
export class RestoreSourceError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
    this.name = "RestoreSourceError";
  }
}

/** The field of the spec that says what to restore, for messages. */
export function sourceField(spec: RestoreSpec): string {
  if (spec.fromArchive?.enabled) return "spec.fromArchive";
  if (spec.scheduleName !== undefined) return "spec.scheduleName";
  if (spec.backups !== undefined) return "spec.backups";
  return "spec.backupName";
}

/** The backup names the spec resolves to in the store; throws RestoreSourceError. */
export async function backupNames(spec: RestoreSpec, store: BackupStore): Promise<string[]> {
  if (spec.fromArchive?.enabled) return [ARCHIVE_SOURCE_NAME];
  try {
    return await resolveRestoreSources(spec, store);
  } catch (err) {
    throw new RestoreSourceError(sourceField(spec), (err as Error).message);
  }
}

/** Opens `names` (in order) for reading; throws RestoreSourceError naming the backup. */
export async function openArchives(
  spec: RestoreSpec,
  names: string[],
  store: BackupStore,
  namespace: string,
  secrets: Secret[],
): Promise<BackupArchive[]> {
  const field = sourceField(spec);
  const archives: BackupArchive[] = [];
  for (const name of names) {
    try {
      if (name === ARCHIVE_SOURCE_NAME && spec.fromArchive?.enabled) {
        archives.push(await openLiveArchive(store.target));
        continue;
      }
      const backup = await store.require(name);
      const encryption = backup.spec?.encryption;
      const key = encryption ? backupKeyFromSecrets(encryption, namespace, secrets) : undefined;
      archives.push(await store.open(name, { key }));
    } catch (err) {
      throw new RestoreSourceError(field, `backup ${name}: ${(err as Error).message}`);
    }
  }
  return archives;
}
