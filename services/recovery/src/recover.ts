// runRecovery: executes a Task (the recoveryProcess of a LiveSynchronization) against the
// destination cluster. Only copies OWNED by the LiveSynchronization are touched (managed label
// AND ownership annotation); each goes through the Task resource's steps (recover-object.ts),
// retried while the copy keeps changing under us. Per-object failures never stop the rest.

import type { Task, TaskRunFailure, TaskRunResourceCount, TaskRunStatus } from "@livesync/api";
import { isOwnedBy, MANAGED_LABEL, RECOVERED_BY_ANNOTATION, type KubeObject } from "@livesync/core";
import { listPages, type Cluster, type ResourceInfo } from "@livesync/kube";
import { phaseOf, type DiffEntry } from "./plan.js";
import {
  apiMessage,
  ObjectFailure,
  reasonOf,
  recoverObject,
  StaleCopy,
  type RecoveryBucket,
} from "./recover-object.js";

export type { RecoveryBucket } from "./recover-object.js";

export const DEFAULT_CONCURRENCY = 16;

export type RecoveryPhase = Extract<
  NonNullable<TaskRunStatus["phase"]>,
  "Succeeded" | "Failed" | "PartiallySucceeded"
>;

/** A write a dry run would make (validated by the apiserver with dryRun=All). */
export interface RecoveryChange {
  namespace?: string;
  name: string;
  group: string;
  version: string;
  resource: string;
  action: "patch" | "restore";
  diff?: DiffEntry[];
}

export interface RecoveryStatus {
  phase: RecoveryPhase;
  resources: TaskRunResourceCount[];
  failures: TaskRunFailure[];
  /** Objects already recovered by this run before it was resumed (counted as succeeded). */
  resumed: number;
  /** Only for dry runs. */
  changes?: RecoveryChange[];
}

export interface RecoveryOptions {
  task: Task;
  /** Owning LiveSynchronization, "<namespace>/<name>". */
  liveSync: string;
  destination: Cluster;
  /** Needed when a resource has fromOriginal.enabled. */
  bucket?: RecoveryBucket;
  /** Change nothing: writes are sent with dryRun=All and reported in `changes`. */
  dryRun?: boolean;
  /** Called with a snapshot as objects finish (at most every 250 ms) and once at the end. */
  onProgress?: (s: RecoveryStatus) => void;
  /** Objects recovered at once (default 16). */
  concurrency?: number;
  /** Marks each recovered object (RECOVERED_BY_ANNOTATION); objects already marked are skipped. */
  runId?: string;
}

/** Attempts per object when its copy keeps changing under us. */
const STALE_ATTEMPTS = 5;

/** Runs `fn` over `items`, at most `limit` at once. */
export async function pool<T>(
  items: T[],
  limit: number,
  fn: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

export async function runRecovery(opts: RecoveryOptions): Promise<RecoveryStatus> {
  const { task, liveSync, destination, bucket, dryRun = false, onProgress } = opts;
  const limit = Math.max(1, opts.concurrency ?? DEFAULT_CONCURRENCY);
  const counts: TaskRunResourceCount[] = [];
  const failures: TaskRunFailure[] = [];
  const changes: RecoveryChange[] = [];
  let succeeded = 0;
  let resumed = 0;
  let lastProgress = 0;

  const snapshot = (): RecoveryStatus => ({
    phase: phaseOf(succeeded, failures),
    resources: counts.map((c) => ({ ...c })),
    failures: [...failures],
    resumed,
    ...(dryRun ? { changes: [...changes] } : {}),
  });
  const progress = (force = false) => {
    if (!onProgress) return;
    const now = Date.now();
    if (!force && now - lastProgress < 250) return;
    lastProgress = now;
    onProgress(snapshot());
  };

  for (const tr of task.spec.config.resources) {
    const { group, version, resources: resource } = tr.identifier;
    const count: TaskRunResourceCount = {
      group,
      version,
      resource,
      total: 0,
      succeeded: 0,
      failed: 0,
    };
    counts.push(count);
    const fail = (obj: { namespace?: string; name: string }, reason: string) => {
      failures.push({
        ...(obj.namespace ? { namespace: obj.namespace } : {}),
        name: obj.name,
        group,
        version,
        resource,
        reason,
      });
    };

    let info: ResourceInfo;
    const copies: KubeObject[] = [];
    try {
      info = await destination.discovery.resolve({ group, version, resource });
      await listPages(
        destination.rest,
        info,
        { labelSelector: `${MANAGED_LABEL}=true` },
        (page) => {
          for (const o of page) if (isOwnedBy(o, liveSync)) copies.push(o);
        },
      );
    } catch (err) {
      // Nothing can be said per object: one failure for the whole resource ("*").
      fail({ name: "*" }, `listing copies in ${destination.name} failed: ${apiMessage(err)}`);
      progress();
      continue;
    }

    count.total = copies.length;
    await pool(copies, limit, async (copy) => {
      const ref = { namespace: copy.metadata.namespace, name: copy.metadata.name };
      if (opts.runId && copy.metadata.annotations?.[RECOVERED_BY_ANNOTATION] === opts.runId) {
        count.succeeded++;
        succeeded++;
        resumed++;
        return;
      }
      try {
        let current = copy;
        let made: Awaited<ReturnType<typeof recoverObject>> | undefined;
        for (let attempt = 1; !made; attempt++) {
          try {
            made = await recoverObject({
              tr,
              info,
              copy: current,
              liveSync,
              destination,
              bucket,
              dryRun,
              runId: opts.runId,
            });
          } catch (err) {
            if (!(err instanceof StaleCopy)) throw err;
            // Pinned to a version that moved on: recover the current one, if it is still ours.
            if (!isOwnedBy(err.live, liveSync)) {
              throw new ObjectFailure(
                "patch: the object changed and is no longer owned by this LiveSynchronization",
              );
            }
            if (attempt >= STALE_ATTEMPTS) {
              throw new ObjectFailure(
                `patch: the object changed ${attempt} times while recovering it; gave up`,
              );
            }
            current = err.live;
          }
        }
        if (dryRun) for (const c of made) changes.push({ ...ref, group, version, resource, ...c });
        count.succeeded++;
        succeeded++;
      } catch (err) {
        const e = err as Error & { step?: "patch" | "restore" };
        fail(ref, reasonOf(err, e.step ?? "patch"));
        count.failed++;
      }
      progress();
    });
  }
  const status = snapshot();
  progress(true);
  return status;
}
