import { describe, expect, it } from "vitest";
import { MemoryTombstones, raisedTombstone } from "./tombstones.js";

describe("raisedTombstone: a tombstone only ever rises", () => {
  it("no tombstone yet: the delete's resourceVersion", () => {
    expect(raisedTombstone(undefined, "40")).toBe("40");
  });
  it("an older tombstone is raised; a newer or equal one is left as it is", () => {
    expect(raisedTombstone("40", "55")).toBe("55");
    expect(raisedTombstone("55", "40")).toBeUndefined();
    expect(raisedTombstone("55", "55")).toBeUndefined();
    // Numerically, not as strings.
    expect(raisedTombstone("9", "10")).toBe("10");
  });
  it("incomparable versions: the newer delete wins", () => {
    expect(raisedTombstone("abc", "def")).toBe("def");
  });
});

describe("MemoryTombstones", () => {
  it("remembers a delete per LiveSynchronization and uid", async () => {
    const t = new MemoryTombstones();
    await t.put("dr/main", "u1", "40");
    expect(await t.get("dr/main", "u1")).toBe("40");
    expect(await t.get("dr/other", "u1")).toBeUndefined();
    expect(await t.get("dr/main", "u2")).toBeUndefined();
    await t.put("dr/main", "u1", "30"); // a late, older delete keeps the greater
    expect(await t.get("dr/main", "u1")).toBe("40");
  });

  it("forgets the oldest beyond its bound and everything after its time limit", async () => {
    const bounded = new MemoryTombstones(3_600_000, 2);
    for (const uid of ["a", "b", "c"]) await bounded.put("ls", uid, "1");
    expect(await bounded.get("ls", "a")).toBeUndefined();
    expect(await bounded.get("ls", "c")).toBe("1");
    const expired = new MemoryTombstones(-1);
    await expired.put("ls", "a", "1");
    expect(await expired.get("ls", "a")).toBeUndefined();
  });
});
