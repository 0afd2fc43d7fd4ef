// The Task the operator keeps for a LiveSynchronization, shaped like the upstream documentation's
// (docs/upstream-examples.md): one entry per replicated resource that has a recoveryProcess. Pure.

import type { LiveSynchronization, Task, TaskResource } from "@livesync/api";
import { TASK_LIVE_SYNC_LABEL } from "@livesync/core";

export const TASK_PLUGIN = "kubernetes-objects-transformation";

/** The recovery steps of one LiveSynchronization resource entry, or undefined when it has none. */
function taskResource(
  r: LiveSynchronization["spec"]["config"]["replication"]["resources"][number],
) {
  const rp = r.recoveryProcess;
  if (!rp) return undefined;
  const out: TaskResource = {
    identifier: { group: r.group ?? "", version: r.version, resources: r.resource },
  };
  if (rp.fromPatch) out.patch = { operations: structuredClone(rp.fromPatch) };
  if (rp.fromOriginal?.enabled) out.fromOriginal = { enabled: true };
  return out;
}

/**
 * The Task for a LiveSynchronization: same name and namespace, owned (controller) by it,
 * labelled with its name, with the recoveryProcess of each resource entry. Entries without a
 * recoveryProcess are left out; an entry whose recoveryProcess sets neither fromPatch nor
 * fromOriginal.enabled is kept (it recovers nothing but shows the resource is covered).
 */
export function taskFor(ls: LiveSynchronization): Task {
  const { name, namespace, uid } = ls.metadata;
  const resources: TaskResource[] = [];
  for (const r of ls.spec.config.replication.resources) {
    const t = taskResource(r);
    if (t) resources.push(t);
  }
  return {
    apiVersion: "automation.livesync.dev/v1alpha1",
    kind: "Task",
    metadata: {
      name,
      ...(namespace !== undefined ? { namespace } : {}),
      labels: { [TASK_LIVE_SYNC_LABEL]: name },
      // No uid (an LS read from a file, not the apiserver): no owner reference can be made.
      ...(uid
        ? {
            ownerReferences: [
              {
                apiVersion: ls.apiVersion,
                kind: ls.kind,
                name,
                uid,
                controller: true,
                blockOwnerDeletion: true,
              },
            ],
          }
        : {}),
    },
    spec: { plugin: TASK_PLUGIN, config: { resources } },
  };
}
