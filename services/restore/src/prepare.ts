// One object of a backup turned into what the restore would write to the destination: mapped
// into its destination namespace, cleaned by the restore rules, placed in its tier. Pure.

import type { Gvr, OwnerReference, RestoreWaitGroup } from "@livesync/api";
import { neverRestoredReason, type BackupItem } from "@livesync/backup";
import { restorableCopy, restoreSkipReason, type KubeObject } from "@livesync/core";
import type { ObjectRef, RestoreScope } from "./scope.js";
import { tierOf } from "./tiers.js";

export interface PreparedItem {
  /** Where the object goes in the destination (namespace mapped). */
  ref: ObjectRef;
  apiVersion: string;
  /** The source object's uid (from the backup's index). */
  sourceUid: string;
  tier: number;
  /** The object to write (without the restore's mark); absent when skipped. */
  desired?: KubeObject;
  /** Why the object is not restored. */
  skip?: string;
  /** The backup object's ownerReferences (source uids), relinked when written. */
  owners: OwnerReference[];
}

/** Why an object is never restored (nor deleted by a revert): its resource, or its kind's rules. */
export function notRestoredReason(obj: KubeObject, gvr: Gvr): string | undefined {
  const never = neverRestoredReason(gvr);
  return never !== undefined
    ? `${gvr.resource} are never restored: ${never}`
    : restoreSkipReason(obj, gvr);
}

const NAME_LABEL = "kubernetes.io/metadata.name";
const SUBJECT_KINDS = new Set(["RoleBinding", "ClusterRoleBinding"]);

/** Moves an object into its destination namespace; binding subjects follow their namespaces. */
export function mapNamespaces(obj: KubeObject, scope: RestoreScope): void {
  const ns = obj.metadata.namespace;
  if (ns !== undefined) obj.metadata.namespace = scope.toDestination(ns);
  if (obj.apiVersion === "v1" && obj.kind === "Namespace") {
    obj.metadata.name = scope.toDestination(obj.metadata.name);
    // The apiserver sets this label to the name: moved along, it does not read as a drift.
    const labels = obj.metadata.labels;
    if (labels?.[NAME_LABEL] !== undefined) labels[NAME_LABEL] = obj.metadata.name;
  }
  if (obj.apiVersion.startsWith("rbac.authorization.k8s.io/") && SUBJECT_KINDS.has(obj.kind)) {
    for (const s of (obj.subjects as { namespace?: string }[] | undefined) ?? []) {
      if (s.namespace) s.namespace = scope.toDestination(s.namespace);
    }
  }
}

export function prepareItem(
  item: BackupItem,
  scope: RestoreScope,
  waitFor: readonly RestoreWaitGroup[] = [],
): PreparedItem {
  const { entry, object } = item;
  const gvr = { group: entry.group, version: entry.version, resource: entry.resource };
  const mapped = (name: string) =>
    entry.group === "" && entry.resource === "namespaces" ? scope.toDestination(name) : name;
  const ref: ObjectRef = {
    ...gvr,
    kind: entry.kind,
    ...(entry.namespace !== undefined ? { namespace: scope.toDestination(entry.namespace) } : {}),
    name: mapped(entry.name),
  };
  const tier = tierOf(
    { ...gvr, kind: entry.kind, name: entry.name, namespaced: entry.namespace !== undefined },
    waitFor,
  );
  const base = {
    ref,
    apiVersion: object.apiVersion,
    sourceUid: entry.uid,
    tier,
    owners: object.metadata.ownerReferences ?? [],
  };
  const skip = notRestoredReason(object, gvr);
  if (skip !== undefined) return { ...base, skip };
  const desired = restorableCopy(object);
  mapNamespaces(desired, scope);
  return { ...base, desired };
}

/**
 * ownerReferences for the destination: each owner restored too gets its new uid (from `uids`,
 * source uid -> destination uid); the others are dropped, as a reference to a missing owner
 * makes the garbage collector delete the object.
 */
export function relinkOwners(
  owners: readonly OwnerReference[],
  uids: ReadonlyMap<string, string>,
): OwnerReference[] {
  return owners.flatMap((o) => {
    const uid = uids.get(o.uid);
    return uid ? [{ ...o, uid }] : [];
  });
}

/**
 * Moves each object into its owners' tier when that is later (a ConfigMap owned by a custom
 * resource waits for it), so that the owner exists and its new uid is known when the object is
 * written. Owner chains are followed; cycles stop after as many rounds as there are objects.
 */
export function placeAfterOwners(items: readonly PreparedItem[]): PreparedItem[] {
  const tiers = new Map(items.map((i) => [i.sourceUid, i.tier]));
  for (let round = 0, moved = true; moved && round < items.length; round++) {
    moved = false;
    for (const i of items) {
      const own = tiers.get(i.sourceUid)!;
      const latest = Math.max(own, ...i.owners.map((o) => tiers.get(o.uid) ?? own));
      if (latest > own) {
        tiers.set(i.sourceUid, latest);
        moved = true;
      }
    }
  }
  return items.map((i) => ({ ...i, tier: tiers.get(i.sourceUid)! }));
}
