// The backup duties of the operator's controller (leader only), on each pass: Backups run
// (backup-runs.ts), schedules fire (schedules.ts), retention deletes (retention-run.ts) and,
// every minute, Backup objects follow their buckets (bucket-sync.ts).

import { cronIntervalSeconds, nextCronRun } from "@livesync/api";
import type { KubeRest } from "@livesync/kube";
import type { Registry } from "@livesync/telemetry";
import type { Desired, Snapshot } from "../desired.js";
import type { StatusWriter } from "../status-writes.js";
import { defaultBackupBackend } from "./backend.js";
import { BackupRuns } from "./backup-runs.js";
import { BucketSync } from "./bucket-sync.js";
import { BackupObjects } from "./io.js";
import { BackupMetrics } from "./metrics.js";
import type { BackupBackend } from "./ports.js";
import { RetentionRunner } from "./retention-run.js";
import { ScheduleController } from "./schedules.js";

export interface BackupControllerOptions {
  /** Backups run at once (default 2). */
  concurrency?: number;
  /** Period of bucket sync (default 60 s). */
  bucketSyncMs?: number;
  /** The backup library (default: @livesync/backup's); tests may wrap it. */
  backend?: BackupBackend;
}

export class BackupControllers {
  readonly metrics = new BackupMetrics();
  private readonly runs: BackupRuns;
  private readonly schedules: ScheduleController;
  private readonly retention: RetentionRunner;
  private readonly bucketSync: BucketSync;

  constructor(
    rest: KubeRest,
    statuses: StatusWriter,
    opts: BackupControllerOptions,
    onError: (err: Error) => void,
  ) {
    const objects = new BackupObjects(rest, statuses);
    const backend = opts.backend ?? defaultBackupBackend;
    this.runs = new BackupRuns({
      objects,
      backend,
      metrics: this.metrics,
      concurrency: opts.concurrency,
      onError,
    });
    this.schedules = new ScheduleController({
      objects,
      metrics: this.metrics,
      next: nextCronRun,
      intervalSeconds: cronIntervalSeconds,
      onError,
    });
    this.retention = new RetentionRunner(objects, backend, onError);
    this.bucketSync = new BucketSync(objects, backend, onError, opts.bucketSyncMs);
  }

  register(registry: Registry): void {
    this.metrics.register(registry);
  }

  async sync(snap: Snapshot, desired: Desired): Promise<void> {
    this.bucketSync.sync(snap.backups, desired);
    this.runs.sync(snap.backups, desired);
    await this.schedules.sync(snap.backupSchedules, snap.backups, desired);
    this.retention.sync(snap.backups, snap.backupSchedules, desired);
  }

  async stop(): Promise<void> {
    await Promise.all([this.runs.stop(), this.bucketSync.stop()]);
  }
}
