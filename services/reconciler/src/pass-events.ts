// The pure steps of a reconcile pass over one resource: which destination objects are this
// LiveSynchronization's copies, which source objects are worth keeping whole, and the events
// published for the plan (reconciler.ts does the listing and the publishing).

import {
  hasDrifted,
  makeEvent,
  readCopyRecord,
  resendReason,
  sanitize,
  selectRule,
  type CoverageRule,
  type KubeObject,
  type OwnedCopy,
  type SelectedSource,
  type SyncEvent,
} from "@livesync/core";
import type { ResourceInfo } from "@livesync/kube";

/** A copy as a pass keeps it: what the planner needs, and the copy's name for a PRUNE. */
export type ListedCopy = OwnedCopy & { obj: KubeObject };

/**
 * One object of the destination's metadata-only listing of managed objects, as a copy of
 * `liveSync`; undefined when another LiveSynchronization owns it. `fieldManager` is the
 * synchronizer's: its writes are not drift.
 */
export function ownedCopyOf(
  c: KubeObject,
  liveSync: string,
  fieldManager: string,
): ListedCopy | undefined {
  const record = readCopyRecord(c);
  if (record?.liveSync !== liveSync) return undefined;
  return {
    obj: {
      apiVersion: c.apiVersion,
      kind: c.kind,
      metadata: { name: c.metadata.name, namespace: c.metadata.namespace },
    },
    sourceUid: record.sourceUid,
    sourceResourceVersion: record.sourceResourceVersion,
    drifted: hasDrifted(c.metadata.managedFields, fieldManager),
    terminating: record.terminating === true,
  };
}

/**
 * Whether the copy of a selected source object will need an event (the planner's
 * resendReason): only those source objects are kept whole during the pass.
 */
export function needsEvent(copy: OwnedCopy | undefined, source: SelectedSource): boolean {
  return resendReason(copy, source) !== undefined;
}

/** The PRUNE of a copy whose source is gone, at the source list's resourceVersion. */
export function pruneEvent(
  liveSync: string,
  info: ResourceInfo,
  copy: ListedCopy,
  sourceListVersion: string,
): SyncEvent {
  const e = makeEvent("PRUNE", liveSync, info, copy.obj, { resourceVersion: sourceListVersion });
  e.uid = copy.sourceUid ?? "";
  return e;
}

/**
 * The RESYNC that re-sends a source object (`repair`: its copy was edited by hand, re-apply
 * even at the same version); undefined for an object never replicated.
 */
export function resendEvent(
  liveSync: string,
  info: ResourceInfo,
  rules: readonly CoverageRule[],
  obj: KubeObject,
  namespaceLabels: (namespace: string) => Record<string, string> | undefined,
  repair: boolean,
): SyncEvent | undefined {
  const clean = sanitize(obj, info);
  if ("skip" in clean) return undefined;
  const rule = selectRule(rules, obj, info.namespaced, namespaceLabels)!;
  return makeEvent("RESYNC", liveSync, info, obj, {
    object: clean.object,
    resourceIndex: rule.index,
    repair,
  });
}
