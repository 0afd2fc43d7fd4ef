// Task upkeep: every valid LiveSynchronization has its Task (the recovery plan a TaskRun runs),
// generated from it and kept so.

import type { Condition, LiveSynchronization } from "@livesync/api";
import type { KubeRest } from "@livesync/kube";
import { taskFor } from "@livesync/recovery";
import { digest } from "./desired.js";
import { condition, keyOf, mergeConditions, nsOf, objectPath, type RawObject } from "./objects.js";
import type { StatusWriter } from "./status-writes.js";

export const FIELD_MANAGER = "livesync-operator";

/**
 * The Task of each valid LiveSynchronization: applied when missing or when its spec differs
 * from what the LiveSynchronization implies (edited by hand, or the LiveSynchronization
 * changed), with a Ready condition saying where it comes from.
 */
export async function upkeepTasks(
  rest: KubeRest,
  statuses: StatusWriter,
  liveSyncs: LiveSynchronization[],
  tasks: RawObject[],
  onError: (err: Error) => void,
): Promise<void> {
  await Promise.all(
    liveSyncs.map(async (ls) => {
      const task = taskFor(ls);
      const existing = tasks.find((t) => keyOf(t) === keyOf(ls));
      const upToDate =
        existing &&
        digest(existing.spec) === digest(task.spec) &&
        (existing.status?.conditions as Condition[] | undefined)?.find((c) => c.type === "Ready")
          ?.observedGeneration === existing.metadata.generation;
      if (upToDate) return;
      try {
        const written = await rest.request<RawObject>(
          "PATCH",
          objectPath("Task", nsOf(ls), ls.metadata.name),
          {
            query: { fieldManager: FIELD_MANAGER, force: true },
            body: task,
            contentType: "application/apply-patch+yaml",
          },
        );
        const gen = written.metadata.generation;
        // The Task's status schema has conditions only (observedGeneration inside them).
        await statuses.patch("Task", written, {
          conditions: mergeConditions(written.status?.conditions, [
            condition(
              "Ready",
              true,
              "Generated",
              `generated from LiveSynchronization ${keyOf(ls)} (generation ${ls.metadata.generation ?? "?"})`,
              gen,
            ),
          ]),
        });
      } catch (err) {
        onError(err as Error);
      }
    }),
  );
}
