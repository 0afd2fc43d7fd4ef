// The archive's version guard: what one event does to the entry stored at its key, so events
// may arrive reordered, duplicated or redelivered and the bucket still ends with the newest
// state. Like the copy guard (copy.ts), simpler: the archive keeps
// originals, so there is no transformation hash and no ownership.
//
// - An object is written only when its source resourceVersion is greater than the stored one
//   (equal: duplicate, skipped; not comparable: written if different).
// - DELETED/PRUNE write a tombstone at the same key when not older than what is stored, even
//   when nothing is stored, so a late older ADDED/MODIFIED is skipped.
// - A PRUNE carries the resourceVersion of the reconciler's source LIST, which can exceed the
//   versions of a later re-creation under the same name. So a PRUNE only replaces an entry of
//   its own uid, and its tombstone only bounds events of that uid (others treat it as absent).

import type { StoredState } from "../archive/format.js";
import type { EventType } from "../envelope.js";
import { compareResourceVersions } from "./copy.js";

export interface ArchiveDecision {
  action: "write" | "tombstone" | "skip";
  reason: string;
}

export function decideArchive(
  event: { type: EventType; uid: string; sourceResourceVersion: string },
  stored: StoredState | undefined,
): ArchiveDecision {
  const rv = event.sourceResourceVersion;
  const isDelete = event.type === "DELETED" || event.type === "PRUNE";
  const act = (reason: string): ArchiveDecision => ({
    action: isDelete ? "tombstone" : "write",
    reason,
  });
  const skip = (reason: string): ArchiveDecision => ({ action: "skip", reason });
  const otherUid = stored?.sourceUid !== undefined && stored.sourceUid !== event.uid;

  if (stored?.pruned && otherUid) stored = undefined;
  if (!stored) return act(`nothing stored; source resourceVersion ${rv}`);
  if (event.type === "PRUNE" && otherUid) {
    return skip(`the stored entry is another source object (uid ${stored.sourceUid})`);
  }
  const recorded = stored.sourceResourceVersion;
  if (recorded === undefined) return act("the stored entry records no source resourceVersion");
  const what = stored.deleted ? "tombstone" : "object";
  switch (compareResourceVersions(rv, recorded)) {
    case 1:
      return act(`stored ${what} at ${recorded} -> ${rv}`);
    case 0:
      // A delete at the stored object's own version still deletes; anything else is a repeat.
      if (isDelete && !stored.deleted) return act(`delete at the stored version ${rv}`);
      return skip(`duplicate: the stored ${what} already reflects ${rv}`);
    case -1:
      return skip(`stale: ${rv} is older than the stored ${what} (${recorded})`);
    case "incomparable":
      return act(`source resourceVersion changed (${recorded} -> ${rv}, not comparable)`);
  }
}
