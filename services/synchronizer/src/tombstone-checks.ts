// With tombstones shared between synchronizer replicas, reading the tombstone and writing the
// destination are two steps, and another replica can handle the delete in between:
//   B reads no tombstone for uid U ... A records the tombstone, A sees no copy (its cache has
//   not seen B's write yet, or B has not written yet) ... B writes the older version of U.
// Two checks close it. A delete records its tombstone before it looks at the copy, and confirms
// "no copy" with a read from the apiserver; a write that creates reads the tombstone again after
// writing and deletes its own copy if a delete at least as new was recorded meanwhile. Whatever
// the interleaving, one of the two sees the other's step. An update needs no second read: it is
// pinned to the copy's uid, so if the delete came first the update fails (and is decided again,
// finding the tombstone), and if the update came first the delete finds and removes the copy.

import {
  compareResourceVersions,
  copyStateOf,
  decide,
  type SyncEvent,
  type TombstoneStore,
} from "@livesync/core";
import {
  deleteObject,
  getObject,
  isConflict,
  type Cluster,
  type ResourceInfo,
} from "@livesync/kube";
import type { CopyCache } from "./copy-cache.js";

/** Delete attempts when the copy keeps changing under us (a controller writing status). */
const ENFORCE_ATTEMPTS = 5;

interface Where {
  destination: Cluster;
  info: ResourceInfo;
  cache: CopyCache;
  namespace: string | undefined;
}

/**
 * After writing `event`'s copy: true (and the copy deleted) when a tombstone at least as new as
 * the event was recorded for its uid, i.e. another replica handled the delete meanwhile.
 */
export async function undoIfDeletedMeanwhile(
  tombstones: TombstoneStore,
  event: SyncEvent,
  at: Where,
): Promise<boolean> {
  const t = await tombstones.get(event.liveSync, event.uid);
  if (t === undefined) return false;
  const c = compareResourceVersions(t, event.sourceResourceVersion);
  if (c !== 1 && c !== 0) return false;
  const { destination, info, cache, namespace } = at;
  const deletion = { type: "DELETED" as const, uid: event.uid, sourceResourceVersion: t };
  for (let attempt = 1; attempt <= ENFORCE_ATTEMPTS; attempt++) {
    const live = await getObject(destination.rest, info, namespace, event.name);
    if (!live) {
      cache.forget(namespace, event.name);
      return true;
    }
    cache.record(live);
    // The delete as the guard sees it: a newer incarnation, or not ours, is left alone.
    if (decide(deletion, copyStateOf(live), { liveSync: event.liveSync }).action !== "delete") {
      return true;
    }
    try {
      const { uid, resourceVersion } = live.metadata;
      await deleteObject(destination.rest, info, namespace, event.name, { uid, resourceVersion });
      cache.forget(namespace, event.name);
      return true;
    } catch (err) {
      if (!isConflict(err)) throw err; // changed since we read it: read again
    }
  }
  throw new Error(
    `${event.name}: deleted in the source (tombstone ${t}) but its copy keeps changing; will retry`,
  );
}

/** Before skipping a delete as "already gone": whether the apiserver agrees with the cache. */
export async function confirmedGone(at: Where, name: string): Promise<boolean> {
  const live = await getObject(at.destination.rest, at.info, at.namespace, name);
  if (live) at.cache.record(live);
  return !live;
}
