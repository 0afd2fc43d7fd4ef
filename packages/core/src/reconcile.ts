// The subtractive half of resync: compare what the source selects with the copies we own.
// Pure; the reconciler service does the listing and publishing.

import { compareResourceVersions } from "./guards/copy.js";
import type { ManagedFieldsEntry } from "./types.js";

export interface SelectedSource {
  uid: string;
  resourceVersion: string;
}

export interface OwnedCopy {
  sourceUid?: string;
  sourceResourceVersion?: string;
  /** Someone other than livesync (and the cluster's own controllers) wrote it. */
  drifted: boolean;
  terminating: boolean;
}

/**
 * What listing the source gave. A listing that failed (discovery, RBAC, an apiserver error, a
 * page that did not come) or is partial (the selection depends on namespace labels we could
 * not read) cannot tell what is gone.
 */
export type SourceListing =
  | { state: "failed"; error: string }
  | { state: "partial"; reason: string }
  | {
      state: "listed";
      /** The resource, for messages ("apps/v1/deployments"). */
      resource: string;
      /** The objects the LiveSynchronization selects, by key. */
      selected: ReadonlyMap<string, SelectedSource>;
      /** Every object the list returned, selected or not. */
      total: number;
    };

export interface ReconcilePlan {
  /** Copies whose source is gone or no longer selected. */
  prune: string[];
  /** Copies edited by hand: re-apply the source's version. */
  repair: string[];
  /** Selected source objects with no copy (or a copy of an older incarnation). */
  missing: string[];
  /**
   * Copies that record an older source resourceVersion than the source object has: an update
   * was lost or is still on its way. Re-sending the source's state is harmless if it is on its
   * way (the guard skips duplicates) and repairs the copy now if it was lost, instead of at the
   * next resyncPeriod.
   */
  stale: string[];
  /** Why nothing is pruned although copies may lack a source (set only then). */
  refused?: string;
}

/**
 * Keys are "<namespace>/<name>" ("/<name>" for cluster-scoped objects).
 *
 * Safety first, like Argo CD: a failed or partial source listing plans nothing at all (we
 * cannot know what is gone), and an empty one prunes nothing while copies exist, since an empty
 * list is more likely a broken source (wrong credentials, a restored etcd, a cleared cache) than
 * a source that was wiped.
 */
export function planReconcile(
  source: SourceListing,
  copies: ReadonlyMap<string, OwnedCopy>,
): ReconcilePlan {
  const plan: ReconcilePlan = { prune: [], repair: [], missing: [], stale: [] };
  if (source.state === "failed") return { ...plan, refused: `source list failed: ${source.error}` };
  if (source.state === "partial") return { ...plan, refused: source.reason };
  const { selected } = source;
  for (const [key, copy] of copies) {
    if (copy.terminating) continue; // already going; deleting again would only loop
    const object = selected.get(key);
    if (!object) plan.prune.push(key);
    else {
      const list = resendReason(copy, object);
      if (list) plan[list].push(key);
    }
  }
  for (const key of selected.keys()) if (!copies.has(key)) plan.missing.push(key);
  for (const list of [plan.prune, plan.repair, plan.missing, plan.stale]) list.sort();
  if (source.total === 0 && copies.size > 0 && plan.prune.length > 0) {
    plan.prune = [];
    plan.refused = `the source list of ${source.resource} is empty while ${copies.size} copies exist; refusing to prune`;
  }
  return plan;
}

/**
 * Why the copy of a selected source object needs the source's state sent again, if it does:
 * it is missing or of another incarnation, edited by hand, or behind the source. The planner
 * sorts copies by it, and the reconciler keeps whole source objects only where it says so.
 */
export function resendReason(
  copy: OwnedCopy | undefined,
  source: SelectedSource,
): "missing" | "repair" | "stale" | undefined {
  if (!copy || (copy.sourceUid && copy.sourceUid !== source.uid)) return "missing";
  if (copy.terminating) return undefined;
  if (copy.drifted) return "repair";
  if (isStale(copy, source)) return "stale";
  return undefined;
}

/** The copy reflects an older version of the same source object. */
export function isStale(copy: OwnedCopy, source: SelectedSource): boolean {
  if (copy.sourceResourceVersion === undefined) return false;
  return compareResourceVersions(copy.sourceResourceVersion, source.resourceVersion) === -1;
}

/** Managers that belong to the cluster itself: their writes are not drift. */
const CLUSTER_MANAGERS =
  /^(kube-controller-manager|kube-apiserver|kube-scheduler|kubelet|cloud-controller-manager|system:.*)$/;

/**
 * A copy drifted when a manager other than ours and the cluster's controllers wrote its main
 * resource (a status write is not drift). Hand edits show up as kubectl-edit, kubectl-patch,
 * kubectl-client-side-apply, kubectl (server-side), or the writing program's name.
 */
export function hasDrifted(
  managedFields: ManagedFieldsEntry[] | undefined,
  ownManager: string,
): boolean {
  return (managedFields ?? []).some(
    (f) => !f.subresource && f.manager !== ownManager && !CLUSTER_MANAGERS.test(f.manager ?? ""),
  );
}
