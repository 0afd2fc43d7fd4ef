// Bucket sync's executor, every minute and at start (leader only): for each valid Bucket, the
// backups it holds are listed and sync-plan.ts decides which Backup objects to create (status
// restored through the status subresource) or remove. One round at a time.

import type { BackupSpec, BackupPhase } from "@livesync/api";
import type { BackupListing } from "@livesync/backup";
import type { Desired } from "../desired.js";
import { nsOf, type RawObject } from "../objects.js";
import type { BackupObjects } from "./io.js";
import type { BackupBackend } from "./ports.js";
import { syncPlan, type SyncedObject } from "./sync-plan.js";

export const BUCKET_SYNC_MS = 60_000;

export class BucketSync {
  private lastRound = 0;
  private round: Promise<void> | undefined;

  constructor(
    private readonly objects: BackupObjects,
    private readonly backend: BackupBackend,
    private readonly onError: (err: Error) => void,
    private readonly periodMs = BUCKET_SYNC_MS,
  ) {}

  /** Starts a round when one is due; returns at once. */
  sync(backups: RawObject[], desired: Desired): void {
    if (this.round || Date.now() - this.lastRound < this.periodMs) return;
    this.lastRound = Date.now();
    this.round = this.all(backups, desired).finally(() => (this.round = undefined));
  }

  async stop(): Promise<void> {
    await this.round;
  }

  private async all(backups: RawObject[], desired: Desired): Promise<void> {
    for (const bucket of desired.manifests.buckets) {
      const ns = nsOf(bucket);
      const where = { namespace: ns, name: bucket.metadata.name };
      try {
        const store = this.backend.openBucket(bucket, desired.manifests.secrets);
        let listing: BackupListing;
        const listedAt = new Date();
        try {
          listing = await store.listing();
        } finally {
          store.close();
        }
        const plan = syncPlan(
          where,
          listing.backups,
          backups.filter((b) => nsOf(b) === ns).map(syncedObject),
          listedAt,
        );
        for (const b of plan.create) {
          const created = await this.objects.createBackup(b as unknown as RawObject);
          if (created && b.status) await this.objects.patchStatus("Backup", created, b.status);
        }
        // A backup whose backup.json cannot be read is still there: never removed for it.
        const damaged = new Set(listing.unreadable.map((u) => u.name));
        for (const name of plan.remove) {
          if (!damaged.has(name)) await this.objects.deleteBackup(ns, name);
        }
        for (const u of listing.unreadable) {
          this.onError(new Error(`Bucket ${ns}/${bucket.metadata.name}: ${u.message}`));
        }
      } catch (err) {
        this.onError(
          new Error(
            `bucket sync of Bucket ${ns}/${bucket.metadata.name}: ${(err as Error).message}`,
          ),
        );
      }
    }
  }
}

function syncedObject(b: RawObject): SyncedObject {
  return {
    name: b.metadata.name,
    bucketName: (b.spec as Partial<BackupSpec> | undefined)?.bucketName,
    phase: b.status?.phase as BackupPhase | undefined,
    completionTime: b.status?.completionTime as string | undefined,
  };
}
