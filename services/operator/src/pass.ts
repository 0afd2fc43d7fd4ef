// One pass of the operator: validate everything the management cluster holds as one manifest
// set (desired.ts), bring the in-process engine to it, and, in the controller, run TaskRuns,
// keep Tasks and write statuses.

import type { Engine } from "@livesync/engine";
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
    if (engine?.synchronizer && !parts.controller)
      await statuses.writeCounts(snap, await engine.status());
    return;
  }
  await upkeepTasks(parts.rest, statuses, manifests.liveSyncs, snap.tasks, parts.onError);
  await statuses.writeAll(snap, desired, engine ? await engine.status() : undefined);
  await parts.backups.sync(snap, desired);
  parts.restores.sync(snap.restores, desired);
}
