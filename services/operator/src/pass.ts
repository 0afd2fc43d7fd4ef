// One pass of the operator: validate everything the management cluster holds as one manifest
// set (desired.ts), bring the in-process engine to it, and, in the controller, run TaskRuns,
// keep Tasks and write statuses.

import { combineStatuses, type Engine, type StatusBoard } from "@livesync/engine";
import type { BackupControllers } from "./backups/controllers.js";
import type { KubeRest } from "@livesync/kube";
import { desiredState, type Snapshot } from "./desired.js";
import type { Leadership } from "./leadership.js";
import type { RestoreRuns } from "./restores/restore-runs.js";
import type { StatusWriter } from "./status-writes.js";
import type { TaskRunController } from "./task-runs.js";
import { upkeepTasks } from "./tasks.js";

export interface PassParts {
  rest: KubeRest;
  /** The services of this process (undefined when it runs none). */
  engine: Engine | undefined;
  /** What the processes of a split deployment report (with JetStream). */
  reports: StatusBoard | undefined;
  leadership: Leadership;
  /** Whether this process may do the controller duties at all (`controller` option). */
  controller: boolean;
  taskRuns: TaskRunController;
  statuses: StatusWriter;
  /** Backups, BackupSchedules, retention and bucket sync. */
  backups: BackupControllers;
  /** Restores, run once each. */
  restores: RestoreRuns;
  onError: (err: Error) => void;
}

export async function runPass(parts: PassParts, snap: Snapshot): Promise<void> {
  const { engine, statuses } = parts;
  const desired = desiredState(snap);
  const { manifests } = desired;
  const controller = parts.leadership.isController;
  // TaskRuns first: the LiveSynchronizations they suspend come back through the watch.
  if (controller) await parts.taskRuns.sync(snap.taskRuns, snap.liveSyncs, manifests);
  await engine?.apply(manifests);
  if (!controller) {
    // Without the controller duties, a synchronizer pod still reports its counts.
    // (Unless it reports them: then the controller merges every process's counts.)
    if (engine?.synchronizer && !parts.controller && !engine.reportsStatus)
      await statuses.writeCounts(snap, await engine.status());
    return;
  }
  await upkeepTasks(parts.rest, statuses, manifests.liveSyncs, snap.tasks, parts.onError);
  // Runtime problems only other processes see (split deployment) join this process's own.
  const reported = await parts.reports?.read(engine?.identity).catch((err: Error) => {
    parts.onError(new Error(`reading the status reports of other processes: ${err.message}`));
    return undefined;
  });
  const local = engine ? await engine.status() : undefined;
  await statuses.writeAll(snap, desired, combineStatuses(local, reported));
  await parts.backups.sync(snap, desired);
  parts.restores.sync(snap.restores, desired);
}
