import { describe, expect, it } from "vitest";
import { MemoryTombstones } from "./tombstones.js";

describe("MemoryTombstones", () => {
  it("remembers a delete per LiveSynchronization and uid", async () => {
    const t = new MemoryTombstones();
    await t.put("dr/main", "u1", "40");
    expect(await t.get("dr/main", "u1")).toBe("40");
    expect(await t.get("dr/other", "u1")).toBeUndefined();
    expect(await t.get("dr/main", "u2")).toBeUndefined();
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
