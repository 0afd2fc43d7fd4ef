// The Restore controller (leader only). A Restore runs once: a new one (no phase, or New) is
// checked (validate.ts), its destination and bucket reached and its backups resolved and opened;
// any failure there ends it Failed with a condition naming the field and value, and nothing
// written. Then it goes InProgress (recording the backups it restores, so that `latest` stays
// the same backup), runs the restore engine and gets the final status (phase, counts per action
// and per resource, failures, warnings, the audit's location in the bucket).
//
// A Restore found InProgress that no run of this process owns was interrupted (operator
// restarted, leader changed): it is RESUMED with the same name and the backups its status
// recorded. The engine marks every object it writes with the Restore's name and skips those that
// already carry the mark and equal the backup, so the objects done before the interruption are
// not written again; the condition Resumed says how many were skipped. When resuming is not
// possible (its cluster, bucket or backups are gone), it ends Failed with reason Interrupted.

import type { RestoreStatus } from "@livesync/api";
import { BackupStore } from "@livesync/backup";
import { isNotFound, type Cluster, type KubeRest } from "@livesync/kube";
import { runRestore } from "@livesync/restore";
import type { Registry } from "@livesync/telemetry";
import type { Desired } from "../desired.js";
import { nsOf, objectPath, type RawObject } from "../objects.js";
import { OnceRuns } from "../once-runs.js";
import { reachCluster } from "../reach.js";
import type { StatusWriter } from "../status-writes.js";
import { backupNames, openArchives, RestoreSourceError } from "./archives.js";
import { RestoreMetrics } from "./metrics.js";
import { alreadyRestored, failedRestoreStatus, finalRestoreStatus } from "./restore-status.js";
import { checkRestore } from "./validate.js";

export const DEFAULT_RESTORE_CONCURRENCY = 1;

export interface RestoreControllerOptions {
  /** Restores run at once (default 1: a restore already writes many objects in parallel). */
  concurrency?: number;
  /** Objects a restore writes at once within a tier (default: the engine's, 16). */
  objectConcurrency?: number;
}

export interface RestoreRunsOptions extends RestoreControllerOptions {
  rest: KubeRest;
  statuses: StatusWriter;
  onError: (err: Error) => void;
}

const phaseOf = (o: RawObject) => o.status?.phase as string | undefined;

/** Why a run stops before writing: the condition's reason and message. */
class Refused extends Error {
  constructor(
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
}

export class RestoreRuns {
  readonly metrics = new RestoreMetrics();
  private readonly runs: OnceRuns;

  constructor(private readonly opts: RestoreRunsOptions) {
    this.runs = new OnceRuns(opts.concurrency ?? DEFAULT_RESTORE_CONCURRENCY, opts.onError);
  }

  /** Starts what is due; returns at once (runs go on). */
  sync(restores: RawObject[], desired: Desired): void {
    this.runs.forgetAbsent(restores);
    const fresh: RawObject[] = [];
    for (const r of restores) {
      if (this.runs.handled(r)) continue;
      const phase = phaseOf(r);
      if (phase === "InProgress") this.runs.track(r, this.start(r, desired, true));
      else if (!phase || phase === "New") fresh.push(r);
    }
    this.runs.startOldest(fresh, (r) => this.start(r, desired, false));
  }

  register(registry: Registry): void {
    this.metrics.register(registry);
  }

  /** Waits for the runs in progress. */
  stop(): Promise<void> {
    return this.runs.stop();
  }

  /** The Restore as stored now (the watched copy may lag behind); undefined once deleted. */
  private current(o: RawObject): Promise<RawObject | undefined> {
    return this.opts.rest
      .request<RawObject>("GET", objectPath("Restore", nsOf(o), o.metadata.name))
      .catch((err: unknown) => {
        if (isNotFound(err)) return undefined;
        throw err;
      });
  }

  private async finish(r: RawObject, status: RestoreStatus): Promise<void> {
    const observedGeneration = r.metadata.generation;
    await this.opts.statuses.patch("Restore", r, {
      ...status,
      ...(observedGeneration !== undefined ? { observedGeneration } : {}),
    });
    this.metrics.finished(status);
  }

  private async start(watched: RawObject, desired: Desired, resume: boolean): Promise<void> {
    const r = await this.current(watched);
    if (!r) return;
    const phase = phaseOf(r);
    // Someone else took or finished it meanwhile.
    if (resume ? phase !== "InProgress" : phase && phase !== "New") return;
    const startTime = (resume && (r.status?.startTime as string)) || new Date().toISOString();
    const dryRun = (r.spec as { dryRun?: boolean } | undefined)?.dryRun === true;
    try {
      await this.execute(r, desired, startTime, resume);
    } catch (err) {
      const refused = err instanceof Refused;
      let reason = refused ? err.reason : "Failed";
      let message = (err as Error).message;
      if (resume) {
        reason = "Interrupted";
        message = `the operator stopped while this restore ran and it could not be resumed: ${message}; create a new Restore`;
      }
      await this.finish(r, failedRestoreStatus(reason, message, new Date(), dryRun, startTime));
    }
  }

  private async execute(
    r: RawObject,
    desired: Desired,
    startTime: string,
    resume: boolean,
  ): Promise<void> {
    const { problems, valid } = checkRestore(r, desired.manifests, desired.problems);
    if (!valid) {
      const reason = problems[0]?.reason ?? "InvalidSpec";
      throw new Refused(reason, problems.map((p) => p.message).join("; ") || "spec: invalid");
    }
    const { spec, refs } = valid;
    const destinationName = refs.cluster.metadata.name;
    let destination: Cluster;
    try {
      destination = await reachCluster(destinationName, refs.kubeconfig);
    } catch (err) {
      throw new Refused(
        "ClusterUnreachable",
        `spec.destinationName: KubernetesCluster "${destinationName}" unreachable: ${(err as Error).message}`,
      );
    }
    const store = BackupStore.forBucket(refs.bucket, desired.manifests.secrets);
    try {
      try {
        await store.target.client.check();
      } catch (err) {
        throw new Refused(
          "BucketUnreachable",
          `spec.bucketName: Bucket "${refs.bucket.metadata.name}" unreachable: ${(err as Error).message}`,
        );
      }
      const recorded = r.status?.backups as string[] | undefined;
      let archives;
      let names: string[];
      try {
        names = resume && recorded?.length ? recorded : await backupNames(spec, store);
        archives = await openArchives(spec, names, store, nsOf(r), desired.manifests.secrets);
      } catch (err) {
        if (err instanceof RestoreSourceError) throw new Refused("BackupNotFound", err.message);
        throw err;
      }
      await this.opts.statuses.patch("Restore", r, {
        phase: "InProgress",
        startTime,
        backups: names,
        dryRun: spec.dryRun === true,
      });
      const result = await runRestore({
        name: r.metadata.name,
        spec,
        destination,
        archives,
        bucket: store,
        concurrency: this.opts.objectConcurrency,
      });
      const skipped = resume
        ? { skipped: alreadyRestored(result.audit, r.metadata.name) }
        : undefined;
      await this.finish(r, finalRestoreStatus({ ...result.status, startTime }, skipped));
    } finally {
      store.close();
      destination.close();
    }
  }
}
