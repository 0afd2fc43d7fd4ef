// The Backup controller (leader only). A new Backup (no phase, or New) is checked (validate.ts,
// then the source cluster and the bucket are reached) and fails at once, with a condition naming
// the field and value, and nothing written, when any of that fails; otherwise it goes
// InProgress, is snapshotted into its bucket and gets its final status. At most `concurrency`
// run at once, oldest first. A Backup found InProgress that no run of this process owns was
// interrupted (operator restarted, leader changed): it is failed with reason Interrupted and its
// partial data removed, not rerun (a rerun would be another point in time than the one asked
// for, and a backup that crashes the operator would crash it again; a schedule fires again at
// its next slot). Backups created by bucket sync are records of backups made elsewhere: never
// run.

import type { BackupSpec, BackupStatus } from "@livesync/api";
import { backupKeyFromSecrets, specToRun } from "@livesync/backup";
import type { Cluster } from "@livesync/kube";
import type { Desired } from "../desired.js";
import { nsOf, type RawObject } from "../objects.js";
import { OnceRuns } from "../once-runs.js";
import { reachCluster } from "../reach.js";
import { failedStatus, finalStatus } from "./backup-status.js";
import type { BackupObjects } from "./io.js";
import type { BackupMetrics } from "./metrics.js";
import { SCHEDULE_LABEL, SYNCED_ANNOTATION } from "./names.js";
import type { BackupBackend, BackupBucket } from "./ports.js";
import { checkBackupSpec, objectProblems, type ResolvedRefs } from "./validate.js";

export const DEFAULT_BACKUP_CONCURRENCY = 2;
const PROGRESS_EVERY_MS = 5_000;

export interface BackupRunsOptions {
  objects: BackupObjects;
  backend: BackupBackend;
  metrics: BackupMetrics;
  concurrency?: number;
  onError: (err: Error) => void;
}

const phaseOf = (o: RawObject) => o.status?.phase as string | undefined;
const specOf = (o: RawObject) => (o.spec ?? {}) as Partial<BackupSpec>;
export const scheduleOf = (o: RawObject) => o.metadata.labels?.[SCHEDULE_LABEL] ?? "";

export class BackupRuns {
  private readonly runs: OnceRuns;

  constructor(private readonly opts: BackupRunsOptions) {
    this.runs = new OnceRuns(opts.concurrency ?? DEFAULT_BACKUP_CONCURRENCY, opts.onError);
  }

  /** Starts what is due; returns at once (runs go on). */
  sync(backups: RawObject[], desired: Desired): void {
    this.runs.forgetAbsent(backups);
    const fresh: RawObject[] = [];
    for (const b of backups) {
      if (this.runs.handled(b)) continue;
      if (b.metadata.annotations?.[SYNCED_ANNOTATION] !== undefined) continue;
      const phase = phaseOf(b);
      if (phase === "InProgress") this.runs.track(b, this.interrupted(b, desired));
      else if (!phase || phase === "New") fresh.push(b);
    }
    this.runs.startOldest(fresh, (b) => this.run(b, desired));
    // The ones waiting for a slot say so.
    for (const b of fresh)
      if (!phaseOf(b) && !this.runs.handled(b))
        void this.opts.objects.patchStatus("Backup", b, { phase: "New" });
  }

  /** Waits for the runs in progress. */
  stop(): Promise<void> {
    return this.runs.stop();
  }

  /** Writes a final status and counts it. */
  private async finish(b: RawObject, status: BackupStatus): Promise<void> {
    await this.opts.objects.patchStatus("Backup", b, status);
    this.opts.metrics.finished(scheduleOf(b), status);
  }

  private fail(b: RawObject, reason: string, message: string): Promise<void> {
    return this.finish(b, failedStatus(reason, message, new Date(), specOf(b).ttl));
  }

  private async run(watched: RawObject, desired: Desired): Promise<void> {
    const b = await this.opts.objects.get("Backup", nsOf(watched), watched.metadata.name);
    if (!b || (phaseOf(b) && phaseOf(b) !== "New")) return; // someone else took it
    const invalid = objectProblems("Backup", b);
    if (invalid.length) return this.fail(b, "InvalidSpec", invalid.join("; "));
    const { problems, refs } = checkBackupSpec(
      specOf(b),
      nsOf(b),
      desired.manifests,
      desired.problems,
    );
    if (!refs) {
      const first = problems[0] ?? { reason: "InvalidSpec", message: "spec: invalid" };
      return this.fail(b, first.reason, problems.map((p) => p.message).join("; "));
    }
    const source = await this.reachSource(b, refs);
    if (!source) return;
    let bucket: BackupBucket | undefined;
    try {
      bucket = await this.reachBucket(b, refs, desired);
      if (bucket) await this.snapshot(b, source, bucket, desired);
    } finally {
      bucket?.close();
      source.close();
    }
  }

  private async reachSource(b: RawObject, refs: ResolvedRefs): Promise<Cluster | undefined> {
    const name = refs.cluster.metadata.name;
    try {
      return await reachCluster(name, refs.kubeconfig);
    } catch (err) {
      await this.fail(
        b,
        "ClusterUnreachable",
        `spec.sourceName: KubernetesCluster "${name}" unreachable: ${(err as Error).message}`,
      );
      return undefined;
    }
  }

  private async reachBucket(
    b: RawObject,
    refs: ResolvedRefs,
    desired: Desired,
  ): Promise<BackupBucket | undefined> {
    const name = refs.bucket.metadata.name;
    let bucket: BackupBucket | undefined;
    try {
      bucket = this.opts.backend.openBucket(refs.bucket, desired.manifests.secrets);
      await bucket.check();
      return bucket;
    } catch (err) {
      bucket?.close();
      await this.fail(
        b,
        "BucketUnreachable",
        `spec.bucketName: Bucket "${name}" unreachable: ${(err as Error).message}`,
      );
      return undefined;
    }
  }

  private async snapshot(
    b: RawObject,
    source: Cluster,
    bucket: BackupBucket,
    desired: Desired,
  ): Promise<void> {
    const name = b.metadata.name;
    let spec: BackupSpec;
    try {
      // A preset (the self-backup) is resolved at each run: Secrets named since are included.
      spec = await specToRun(b.metadata.annotations, specOf(b) as BackupSpec, source);
    } catch (err) {
      return this.fail(b, "InvalidSpec", (err as Error).message);
    }
    let key: Buffer | undefined;
    try {
      key = spec.encryption
        ? backupKeyFromSecrets(spec.encryption, nsOf(b), desired.manifests.secrets)
        : undefined;
    } catch (err) {
      return this.fail(b, "InvalidSpec", `spec.encryption.secretName: ${(err as Error).message}`);
    }
    let writer;
    try {
      writer = await bucket.openWriter(name, key);
    } catch (err) {
      return this.fail(b, "BucketWriteFailed", `spec.bucketName: ${(err as Error).message}`);
    }
    const startTime = new Date().toISOString();
    await this.opts.objects.patchStatus("Backup", b, { phase: "InProgress", startTime });
    let lastProgress = 0;
    // Progress writes in order, and all done before the final status (never over it).
    let progressWrites = Promise.resolve();
    let status: BackupStatus;
    try {
      status = await this.opts.backend.run({
        name,
        namespace: nsOf(b),
        labels: b.metadata.labels,
        spec,
        source,
        writer,
        onProgress: (p) => {
          if (Date.now() - lastProgress < PROGRESS_EVERY_MS) return;
          lastProgress = Date.now();
          progressWrites = progressWrites.then(() => this.opts.objects.patchStatus("Backup", b, p));
        },
      });
    } catch (err) {
      await progressWrites;
      await writer.abort().catch(() => undefined);
      status = {
        ...failedStatus("Failed", (err as Error).message, new Date(), spec.ttl),
        startTime,
      };
      return this.finish(b, status);
    }
    await progressWrites;
    await this.finish(b, finalStatus({ startTime, ...status }, new Date(), spec.ttl));
  }

  /** Fails a Backup left InProgress by a run no longer going on, and drops its partial data. */
  private async interrupted(watched: RawObject, desired: Desired): Promise<void> {
    const b = await this.opts.objects.get("Backup", nsOf(watched), watched.metadata.name);
    if (!b || phaseOf(b) !== "InProgress") return;
    const { refs } = checkBackupSpec(specOf(b), nsOf(b), desired.manifests, desired.problems);
    let cleaned = "";
    if (refs) {
      let bucket: BackupBucket | undefined;
      try {
        bucket = this.opts.backend.openBucket(refs.bucket, desired.manifests.secrets);
        await bucket.delete(b.metadata.name);
        cleaned = "; its partial data was removed from the bucket";
      } catch (err) {
        cleaned = `; removing its partial data failed: ${(err as Error).message}`;
      } finally {
        bucket?.close();
      }
    }
    await this.finish(b, {
      ...failedStatus(
        "Interrupted",
        `the operator stopped while this backup ran (restart or leader change)${cleaned}; it is not rerun: create a new Backup (a BackupSchedule fires again at its next slot)`,
        new Date(),
        specOf(b).ttl,
      ),
      startTime: b.status?.startTime as string | undefined,
    });
  }
}
