import { describe, expect, it } from "vitest";
import type { StoredState } from "../archive/format.js";
import type { EventType } from "../envelope.js";
import { decideArchive } from "./archive.js";

const ev = (type: EventType, rv: number | string, uid = "u1") => ({
  type,
  uid,
  sourceResourceVersion: String(rv),
});
const obj = (rv: number | string, uid = "u1"): StoredState => ({
  sourceResourceVersion: String(rv),
  sourceUid: uid,
  deleted: false,
});
const tomb = (rv: number, uid = "u1", pruned = false): StoredState => ({
  ...obj(rv, uid),
  deleted: true,
  ...(pruned ? { pruned } : {}),
});
const action = (e: ReturnType<typeof ev>, s: StoredState | undefined) => decideArchive(e, s).action;

describe("decideArchive", () => {
  it("writes when nothing is stored or the event is newer", () => {
    for (const t of ["ADDED", "MODIFIED", "RESYNC"] as const) {
      expect(action(ev(t, 100), undefined)).toBe("write");
      expect(action(ev(t, 200), obj(100))).toBe("write");
    }
    expect(action(ev("MODIFIED", 10), { deleted: false })).toBe("write"); // no recorded version
  });

  it("skips duplicates and stale events", () => {
    expect(decideArchive(ev("RESYNC", 100), obj(100))).toEqual({
      action: "skip",
      reason: "duplicate: the stored object already reflects 100",
    });
    expect(action(ev("MODIFIED", 99), obj(100))).toBe("skip");
    // Numeric, not lexical: "99" < "100".
    expect(action(ev("MODIFIED", "100"), obj("99"))).toBe("write");
  });

  it("incomparable versions write when they differ", () => {
    expect(action(ev("MODIFIED", "b"), obj("a"))).toBe("write");
    expect(action(ev("MODIFIED", "a"), obj("a"))).toBe("skip");
  });

  it("a delete leaves a tombstone, even when nothing was stored, that older events respect", () => {
    expect(action(ev("DELETED", 400), undefined)).toBe("tombstone");
    expect(action(ev("DELETED", 400), obj(300))).toBe("tombstone");
    expect(action(ev("DELETED", 300), obj(300))).toBe("tombstone"); // >=
    expect(action(ev("DELETED", 400), tomb(400))).toBe("skip"); // duplicate
    expect(action(ev("DELETED", 250), obj(300, "u2"))).toBe("skip"); // a newer re-creation
    expect(action(ev("MODIFIED", 350), tomb(400))).toBe("skip");
    expect(action(ev("ADDED", 400), tomb(400))).toBe("skip");
    expect(action(ev("ADDED", 500, "u2"), tomb(400))).toBe("write"); // re-created
  });

  it("a PRUNE only speaks for its own uid", () => {
    expect(action(ev("PRUNE", 900), obj(300))).toBe("tombstone");
    expect(action(ev("PRUNE", 900), undefined)).toBe("tombstone");
    expect(action(ev("PRUNE", 900), obj(300, "u2"))).toBe("skip"); // re-created under the name
    expect(action(ev("PRUNE", 900), tomb(300, "u2"))).toBe("skip");
    // Its list version may exceed a re-creation's: events of other uids ignore it...
    expect(action(ev("ADDED", 500, "u2"), tomb(900, "u1", true))).toBe("write");
    expect(action(ev("DELETED", 600, "u2"), tomb(900, "u1", true))).toBe("tombstone");
    // ...but it bounds its own uid.
    expect(action(ev("MODIFIED", 500), tomb(900, "u1", true))).toBe("skip");
  });
});
