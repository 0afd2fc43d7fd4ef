// The pure half of applying one event: the copy it would write (transformed and marked), what
// the guard decides about the copy we hold, and the tombstone a delete leaves. The synchronizer
// reads the copy and the tombstone, calls planApply, and does the writes.

import { PermanentError } from "@livesync/bus";
import {
  ANNOTATIONS,
  applyPatch,
  copyStateOf,
  decide,
  markCopy,
  maxResourceVersion,
  type Decision,
  type KubeObject,
  type PatchOperation,
  type SyncEvent,
} from "@livesync/core";

export interface ApplyInputs {
  sourceCluster: string;
  /** transformation.patch of each spec.config.replication.resources entry, by index. */
  transformations: (PatchOperation[] | undefined)[];
  /** The copy in the destination, as last seen (undefined: there is none). */
  current: KubeObject | undefined;
  /** The greatest resourceVersion at which event.uid was deleted, if remembered. */
  tombstone: string | undefined;
}

export interface ApplyPlan {
  decision: Decision;
  /** For ADDED/MODIFIED/RESYNC: the transformed, marked copy to write. */
  desired?: KubeObject;
  /**
   * For DELETED/PRUNE: the tombstone to record for event.uid, whatever the decision: every
   * delete is remembered, even of a copy already gone, so a late ADDED stays dead.
   */
  tombstone?: string;
}

/** Throws PermanentError when the event can never be applied (no object, a failing patch). */
export function planApply(event: SyncEvent, inputs: ApplyInputs): ApplyPlan {
  const isDelete = event.type === "DELETED" || event.type === "PRUNE";
  // Transform first: the copy's content hash lets a changed transformation reach copies
  // whose source did not change.
  const desired = isDelete ? undefined : desiredCopy(event, inputs);
  const decision = decide(event, copyStateOf(inputs.current), {
    liveSync: event.liveSync,
    tombstoneResourceVersion: inputs.tombstone,
    desiredContentHash: desired?.metadata.annotations?.[ANNOTATIONS.contentHash],
    // A hand-edited copy (found by the reconciler) is re-applied even though versions match.
    repair: event.repair,
  });
  if (!isDelete) return { decision, desired };
  return { decision, tombstone: maxResourceVersion(inputs.tombstone, event.sourceResourceVersion) };
}

function desiredCopy(event: SyncEvent, inputs: ApplyInputs): KubeObject {
  if (!event.object) throw new PermanentError(`${event.type} event without an object`);
  const patch = inputs.transformations[event.resourceIndex ?? 0] ?? [];
  const transformed = applyPatch(event.object, patch);
  if (!transformed.ok) {
    throw new PermanentError(
      `transformation of spec.config.replication.resources[${event.resourceIndex ?? 0}] failed: ${transformed.error}`,
    );
  }
  return markCopy(transformed.object, {
    liveSync: event.liveSync,
    sourceCluster: inputs.sourceCluster,
    sourceUid: event.uid,
    sourceResourceVersion: event.sourceResourceVersion,
  });
}
