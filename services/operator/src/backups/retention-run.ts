// Retention's executor: the deletions retention.ts plans, each one the backup's files in its
// bucket first, then the Backup object (so a failure leaves the object, and the next pass tries
// again, rather than data nobody sees).

import type { BackupPhase, BackupSpec } from "@livesync/api";
import type { Desired } from "../desired.js";
import { keyOf, nsOf, type RawObject } from "../objects.js";
import { scheduleOf } from "./backup-runs.js";
import type { BackupObjects } from "./io.js";
import type { BackupBackend } from "./ports.js";
import { retentionPlan, type Deletion, type RetentionFacts } from "./retention.js";

export function retentionFacts(b: RawObject): RetentionFacts {
  const st = b.status ?? {};
  return {
    namespace: nsOf(b),
    name: b.metadata.name,
    schedule: scheduleOf(b),
    phase: st.phase as BackupPhase | undefined,
    started: (st.startTime as string | undefined) ?? b.metadata.creationTimestamp ?? "",
    completed: st.completionTime as string | undefined,
    expiration: st.expiration as string | undefined,
  };
}

export class RetentionRunner {
  private readonly deleting = new Set<string>();

  constructor(
    private readonly objects: BackupObjects,
    private readonly backend: BackupBackend,
    private readonly onError: (err: Error) => void,
  ) {}

  /** Starts the deletions due now; returns at once. */
  sync(backups: RawObject[], schedules: RawObject[], desired: Desired, now = new Date()): void {
    const max = new Map<string, number>();
    for (const s of schedules) {
      const n = (s.spec as { maxBackups?: unknown } | undefined)?.maxBackups;
      if (Number.isInteger(n) && (n as number) >= 1) max.set(keyOf(s), n as number);
    }
    const byKey = new Map(backups.map((b) => [keyOf(b), b]));
    for (const d of retentionPlan(backups.map(retentionFacts), max, now)) {
      const key = `${d.namespace}/${d.name}`;
      const b = byKey.get(key);
      if (!b || this.deleting.has(key)) continue;
      this.deleting.add(key);
      void this.delete(b, d, desired)
        .catch((err: Error) =>
          this.onError(new Error(`retention of Backup ${key} (${d.message}): ${err.message}`)),
        )
        .finally(() => this.deleting.delete(key));
    }
  }

  private async delete(b: RawObject, d: Deletion, desired: Desired): Promise<void> {
    const bucketName = (b.spec as Partial<BackupSpec> | undefined)?.bucketName;
    if (bucketName) {
      const bucket = desired.manifests.buckets.find(
        (x) => nsOf(x) === d.namespace && x.metadata.name === bucketName,
      );
      // Without its Bucket the data cannot be removed: keep the object, it says where it is.
      if (!bucket) throw new Error(`Bucket "${bucketName}" not found or invalid; kept`);
      const store = this.backend.openBucket(bucket, desired.manifests.secrets);
      try {
        await store.delete(d.name);
      } finally {
        store.close();
      }
    }
    await this.objects.deleteBackup(d.namespace, d.name);
  }
}
