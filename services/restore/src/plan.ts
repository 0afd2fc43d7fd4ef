// The plan of a restore: per object, create / update / delete / unchanged / skip, decided from
// the backup's prepared objects and the destination's live ones. Pure: no I/O.

import type { ExistingResourcePolicy } from "@livesync/api";
import { RESTORED_BY_ANNOTATION, restorableCopy, type KubeObject } from "@livesync/core";
import { fieldChanges, type FieldChange } from "./diff.js";
import { notRestoredReason, placeAfterOwners, type PreparedItem } from "./prepare.js";
import { refKey, type ObjectRef } from "./scope.js";

export type PlannedAction = "create" | "update" | "delete" | "unchanged" | "skip";

export interface PlanEntry {
  ref: ObjectRef;
  apiVersion: string;
  tier: number;
  action: PlannedAction;
  /** Why skipped (or left alone). */
  reason?: string;
  /** A difference the policy leaves in place (policy none). */
  warning?: string;
  /** Fields an update changes, or a delete removes; also the differences left by policy none. */
  diff?: FieldChange[];
  /** Set for objects of the backup. */
  item?: PreparedItem;
  /** The destination's object as read: its uid and resourceVersion pin updates and deletes. */
  live?: { uid: string; resourceVersion: string };
}

/** A destination object, with the resource it was listed as and its tier. */
export interface LiveObject {
  ref: ObjectRef;
  object: KubeObject;
  tier: number;
}

export interface PlanInput {
  restoreName: string;
  policy: ExistingResourcePolicy;
  items: readonly PreparedItem[];
  /** Destination objects at the backup objects' places, by refKey. */
  live: ReadonlyMap<string, KubeObject>;
  /** Destination objects within the revert scope (see RestoreScope.holds); used by revert only. */
  deletable?: readonly LiveObject[];
}

const liveMark = (o: KubeObject) => {
  const uid = o.metadata.uid ?? "";
  const resourceVersion = o.metadata.resourceVersion ?? "";
  return { uid, resourceVersion };
};

function planItem(item: PreparedItem, input: PlanInput): PlanEntry {
  const base = { ref: item.ref, apiVersion: item.apiVersion, tier: item.tier, item };
  if (item.skip !== undefined || !item.desired)
    return { ...base, action: "skip", reason: item.skip };
  const live = input.live.get(refKey(item.ref));
  if (!live) return { ...base, action: "create" };
  const isSecret = item.ref.group === "" && item.ref.kind === "Secret";
  const diff = fieldChanges(restorableCopy(live), item.desired, isSecret);
  const withLive = { ...base, live: liveMark(live) };
  const ours = live.metadata.annotations?.[RESTORED_BY_ANNOTATION] === input.restoreName;
  if (diff.length === 0) {
    return ours
      ? { ...withLive, action: "skip", reason: `already restored by ${input.restoreName}` }
      : { ...withLive, action: "unchanged" };
  }
  if (input.policy === "none") {
    const fields = diff.map((d) => d.path).join(", ");
    return {
      ...withLive,
      action: "skip",
      reason: "exists and differs from the backup; policy none leaves it",
      warning: `differs from the backup in ${fields}; left as is (existingResourcePolicy none)`,
      diff,
    };
  }
  return { ...withLive, action: "update", diff };
}

/** Tier by tier; within a tier by resource, namespace and name (stable, readable audits). */
export function compareEntries(a: PlanEntry, b: PlanEntry): number {
  return a.tier - b.tier || refKey(a.ref).localeCompare(refKey(b.ref));
}

/**
 * Decides every object. `revert` also deletes the destination's objects in scope that the backup
 * lacks; a backup object the restore skips is never deleted.
 */
export function planRestore(input: PlanInput): PlanEntry[] {
  const entries = placeAfterOwners(input.items).map((item) => planItem(item, input));
  if (input.policy === "revert") {
    const inBackup = new Set(input.items.map((i) => refKey(i.ref)));
    for (const { ref, object, tier } of input.deletable ?? []) {
      if (inBackup.has(refKey(ref))) continue;
      const base = { ref, apiVersion: object.apiVersion, tier, live: liveMark(object) };
      if (ref.group === "apiextensions.k8s.io" && ref.kind === "CustomResourceDefinition") {
        const reason =
          "revert never deletes a CustomResourceDefinition: its objects in every namespace would go";
        entries.push({ ...base, action: "skip", reason, warning: `not in the backup; ${reason}` });
        continue;
      }
      // What a restore never writes it never deletes: the cluster's own objects (namespace
      // default, kube-*), what the destination's controllers own, livesync's replicas.
      if (notRestoredReason(object, ref) !== undefined) continue;
      const isSecret = ref.group === "" && ref.kind === "Secret";
      entries.push({
        ...base,
        action: "delete",
        diff: fieldChanges(restorableCopy(object), {}, isSecret),
      });
    }
  }
  return entries.sort(compareEntries);
}
