// The version guard: decides what one event does to the destination copy so that events may be
// processed in any order, duplicated, redelivered or in parallel and the copy still converges
// to the source's latest state.
//
// Why order is irrelevant:
// - A copy only moves forward: it is written only by an event whose source resourceVersion is
//   greater than the one recorded on it (resourceVersions of one resource type in one cluster
//   are comparable integers, KEP-5504), so a late older event is a no-op and a duplicate too.
// - A re-created source object (new uid) has a greater resourceVersion than every event of the
//   previous incarnation: the newer uid replaces the copy, stale events of the old uid are
//   skipped because their versions are smaller.
// - A delete removes the copy only when the copy is not newer than the delete, and the caller
//   keeps a tombstone (uid -> greatest deleted rv) for EVERY DELETED/PRUNE event whatever the
//   decision. uids are never reused, so an ADDED/MODIFIED of that uid with a rv not above the
//   tombstone is older than the delete and cannot resurrect the object, even when the copy is
//   already gone or the delete arrived first. The tombstone is checked whether or not a copy
//   exists: otherwise a late event of a deleted re-creation could replace a copy of an older
//   incarnation (DELETED B, ADDED A, MODIFIED B would end with B's copy).
// - A PRUNE (the reconciler found the uid absent from a full source list) carries the list's
//   resourceVersion, which may exceed the versions of a later re-creation under the same name,
//   so it only deletes a copy of the same uid. A DELETED carries the deletion's own version,
//   older than any later re-creation, so the version comparison alone is enough.

import { readCopyRecord } from "../ownership.js";
import type { KubeObject } from "../types.js";

export type Comparison = -1 | 0 | 1 | "incomparable";

/**
 * Compares two resourceVersions: equal strings are 0; two decimal integers are compared
 * numerically (BigInt: etcd revisions exceed 2^53 in theory); anything else is incomparable
 * (resourceVersions are formally opaque).
 */
export function compareResourceVersions(a: string, b: string): Comparison {
  if (a === b) return 0;
  if (!/^\d+$/.test(a) || !/^\d+$/.test(b)) return "incomparable";
  const x = BigInt(a);
  const y = BigInt(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** The greater of two tombstone resourceVersions (the new one when incomparable). */
export function maxResourceVersion(prev: string | undefined, next: string): string {
  if (prev === undefined) return next;
  return compareResourceVersions(prev, next) === 1 ? prev : next;
}

export type GuardEventType = "ADDED" | "MODIFIED" | "DELETED" | "RESYNC" | "PRUNE";

export interface GuardEvent {
  type: GuardEventType;
  uid: string;
  sourceResourceVersion: string;
}

/** What the destination copy records about itself (see ownership.ts). */
export interface CopyState {
  /** The liveSync annotation: "<ns>/<name>" of the owning LiveSynchronization. */
  owner?: string;
  sourceUid?: string;
  sourceResourceVersion?: string;
  /** Hash of what was last applied (optional: enables re-applying changed transformations). */
  contentHash?: string;
  /** The copy has a deletionTimestamp. */
  terminating?: boolean;
}

export interface DecideOptions {
  liveSync: string;
  /**
   * Greatest resourceVersion at which this event's uid was deleted/pruned, if remembered (a
   * PRUNE records the resourceVersion of the source list that lacked the uid).
   */
  tombstoneResourceVersion?: string;
  /**
   * Hash of the object this event would apply (after transformation). When the source version
   * equals the recorded one but this differs from copy.contentHash, the transformation changed
   * (or the copy was repaired): update instead of skipping as a duplicate.
   */
  desiredContentHash?: string;
  /**
   * The reconciler found the copy edited by hand: re-apply the event even when the copy already
   * reflects its source version (a duplicate is then an update with repair set).
   */
  repair?: boolean;
}

/** Why an event leaves the copy alone. */
export type SkipKind =
  /** A delete of a copy that is not there. */
  | "gone"
  /** A delete of an object this LiveSynchronization did not make. */
  | "not-ours"
  /** The copy is already being deleted. */
  | "terminating"
  /** A PRUNE of a source uid the copy no longer reflects. */
  | "other-incarnation"
  /** A delete older than what the copy reflects. */
  | "newer-copy"
  /** An apply event not newer than a remembered delete of its uid. */
  | "tombstone"
  /** The destination object exists and is not ours: never touched. */
  | "conflict"
  /** The copy already reflects this source version (and content). */
  | "duplicate"
  /** The copy reflects a newer source version. */
  | "stale";

export type DecisionAction = Decision["action"];

/** What to do with the copy, and why (reason: for humans, never parsed). */
export type Decision =
  | { action: "create" | "replace" | "delete"; reason: string }
  | {
      action: "update";
      reason: string;
      /** Re-applies a hand-edited copy whose source did not change (DecideOptions.repair). */
      repair?: true;
    }
  | { action: "skip"; kind: SkipKind; reason: string };

/** The CopyState of a destination object, or undefined when it does not exist. */
export function copyStateOf(obj: KubeObject | undefined): CopyState | undefined {
  const rec = readCopyRecord(obj);
  if (!rec) return undefined;
  const state: CopyState = {};
  if (rec.liveSync !== undefined) state.owner = rec.liveSync;
  if (rec.sourceUid !== undefined) state.sourceUid = rec.sourceUid;
  if (rec.sourceResourceVersion !== undefined) {
    state.sourceResourceVersion = rec.sourceResourceVersion;
  }
  if (rec.contentHash !== undefined) state.contentHash = rec.contentHash;
  if (rec.terminating) state.terminating = true;
  return state;
}

function conflict(copy: CopyState, liveSync: string): Decision {
  const who =
    copy.owner === undefined
      ? "not created by livesync"
      : `owned by LiveSynchronization ${copy.owner}, not ${liveSync}`;
  return {
    action: "skip",
    kind: "conflict",
    reason: `conflict: the destination object exists and is ${who}`,
  };
}

const skip = (kind: SkipKind, reason: string): Decision => ({ action: "skip", kind, reason });

/**
 * Decides what `event` does to the destination copy. Pure: the caller reads the copy (and the
 * tombstone of event.uid), acts, and for DELETED/PRUNE records the tombstone.
 */
export function decide(
  event: GuardEvent,
  copy: CopyState | undefined,
  opts: DecideOptions,
): Decision {
  const rv = event.sourceResourceVersion;
  const isDelete = event.type === "DELETED" || event.type === "PRUNE";

  if (isDelete) {
    if (!copy) return skip("gone", "already gone from the destination");
    // Not a copy of ours (a controller's object such as kube-root-ca.crt, a kind we skip, an
    // object we never replicated): there is nothing of ours to delete, so it is no conflict.
    if (copy.owner !== opts.liveSync) {
      return skip("not-ours", "not a copy made by this LiveSynchronization");
    }
    // Deleting again would only loop (Argo CD avoids the same hot loop).
    if (copy.terminating) return skip("terminating", "the copy is already being deleted");
    if (event.type === "PRUNE" && copy.sourceUid !== undefined && copy.sourceUid !== event.uid) {
      return skip(
        "other-incarnation",
        `the copy now reflects another source object (uid ${copy.sourceUid}); the prune was for uid ${event.uid}`,
      );
    }
    const recorded = copy.sourceResourceVersion;
    if (recorded !== undefined && compareResourceVersions(recorded, rv) === 1) {
      // A newer version (another uid: the source object was re-created) was applied after the
      // object this delete is about; deleting would lose it.
      return skip(
        "newer-copy",
        `the copy reflects source resourceVersion ${recorded}, newer than this delete (${rv})`,
      );
    }
    return { action: "delete", reason: `${event.type} at source resourceVersion ${rv}` };
  }

  const t = opts.tombstoneResourceVersion;
  if (t !== undefined) {
    const c = compareResourceVersions(t, rv);
    if (c === 1 || c === 0) {
      return skip("tombstone", `deleted later: tombstone at resourceVersion ${t} >= event ${rv}`);
    }
  }
  if (!copy) {
    return { action: "create", reason: `not in the destination; source resourceVersion ${rv}` };
  }
  if (copy.owner !== opts.liveSync) return conflict(copy, opts.liveSync);
  if (copy.terminating) {
    return skip(
      "terminating",
      "the copy is being deleted in the destination; a later event or resync re-creates it",
    );
  }

  // A copy without a recorded uid (e.g. hand-edited annotations) is treated as the same object.
  const sameUid = copy.sourceUid === undefined || copy.sourceUid === event.uid;
  const write = (why: string): Decision =>
    sameUid
      ? { action: "update", reason: why }
      : {
          action: "replace",
          reason: `source re-created (uid ${copy.sourceUid} -> ${event.uid}); ${why}`,
        };

  const recorded = copy.sourceResourceVersion;
  if (recorded === undefined) return write("the copy records no source resourceVersion");
  switch (compareResourceVersions(rv, recorded)) {
    case 1:
      return write(`source resourceVersion ${recorded} -> ${rv}`);
    case 0:
      if (
        opts.desiredContentHash !== undefined &&
        copy.contentHash !== undefined &&
        opts.desiredContentHash !== copy.contentHash
      ) {
        return write(`same source resourceVersion ${rv} but different content`);
      }
      if (opts.repair) {
        return {
          action: "update",
          repair: true,
          reason: `repair: the copy was edited in the destination; re-applying source resourceVersion ${rv}`,
        };
      }
      return skip("duplicate", `duplicate: the copy already reflects source resourceVersion ${rv}`);
    case -1:
      return skip(
        "stale",
        sameUid
          ? `stale: source resourceVersion ${rv} is older than the copy's ${recorded}`
          : `stale: event for a previous incarnation (uid ${event.uid}, resourceVersion ${rv}) of an object now at ${recorded}`,
      );
    case "incomparable":
      // Non-numeric versions: equality is all we know, so a different version is taken as newer.
      return write(`source resourceVersion changed (${recorded} -> ${rv}, not comparable)`);
  }
}
