// The backup library behind the controllers' ports: @livesync/backup's BackupStore and bucket
// writer for a Bucket, and runBackup for the snapshot.

import {
  BackupStore,
  openBucketBackupWriter,
  restartableWriter,
  runBackup,
} from "@livesync/backup";
import type { BackupBackend, BackupBucket } from "./ports.js";

export const defaultBackupBackend: BackupBackend = {
  openBucket(bucket, secrets): BackupBucket {
    const store = BackupStore.forBucket(bucket, secrets);
    return {
      label: store.label,
      check: () => store.target.client.check(),
      // Restartable: a revision compacted mid-backup starts the snapshot again, atomic.
      openWriter: (name, key) =>
        restartableWriter(() => openBucketBackupWriter(store.target, name, key ? { key } : {})),
      list: () => store.list(),
      delete: async (name) => void (await store.delete(name)),
      close: () => store.close(),
    };
  },
  run: ({ onProgress, ...args }) =>
    runBackup({
      ...args,
      onProgress:
        onProgress &&
        ((p) => onProgress({ itemsBackedUp: p.itemsBackedUp, itemsTotal: p.itemsTotal })),
    }),
};
