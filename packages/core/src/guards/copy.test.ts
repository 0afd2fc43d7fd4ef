import { describe, expect, it } from "vitest";
import {
  compareResourceVersions,
  copyStateOf,
  decide,
  type GuardEvent,
  maxResourceVersion,
} from "./copy.js";
import { markCopy } from "../ownership.js";
import { ev, LS, owned } from "./test-fixtures.js";

describe("compareResourceVersions", () => {
  it.each<[string, string, ReturnType<typeof compareResourceVersions>]>([
    ["1", "2", -1],
    ["2", "1", 1],
    ["5", "5", 0],
    ["9", "10", -1], // numeric, not lexicographic
    ["100", "99", 1],
    ["007", "7", 0],
    ["18446744073709551617", "18446744073709551616", 1], // beyond 2^53
    ["abc", "abc", 0],
    ["abc", "abd", "incomparable"],
    ["1", "x1", "incomparable"],
    ["", "1", "incomparable"],
    ["-1", "1", "incomparable"],
    ["1.5", "2", "incomparable"],
  ])("%s vs %s", (a, b, want) => {
    expect(compareResourceVersions(a, b)).toBe(want);
  });

  it("maxResourceVersion keeps the greater tombstone", () => {
    expect(maxResourceVersion(undefined, "5")).toBe("5");
    expect(maxResourceVersion("7", "5")).toBe("7");
    expect(maxResourceVersion("5", "7")).toBe("7");
    expect(maxResourceVersion("a", "b")).toBe("b");
  });
});

describe("copyStateOf", () => {
  it("reads a marked copy", () => {
    const copy = markCopy(
      { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c", namespace: "app" } },
      { liveSync: LS, sourceCluster: "s", sourceUid: "a", sourceResourceVersion: "7" },
    );
    const st = copyStateOf(copy);
    expect(st).toMatchObject({ owner: LS, sourceUid: "a", sourceResourceVersion: "7" });
    expect(st?.contentHash).toMatch(/^[0-9a-f]{64}$/);
    expect(st?.terminating).toBeUndefined();
    copy.metadata.deletionTimestamp = "2024-01-01T00:00:00Z";
    expect(copyStateOf(copy)?.terminating).toBe(true);
  });
  it("is undefined without an object and empty for an unmarked one", () => {
    expect(copyStateOf(undefined)).toBeUndefined();
    expect(copyStateOf({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c" } })).toEqual(
      {},
    );
  });
});

// ---- Property: any order, with duplicates, converges to the in-order result. ----

/** mulberry32: small deterministic PRNG so failures reproduce. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Sim {
  copy?: { uid: string; rv: string };
  tombstones: Map<string, string>;
  writes: number;
}

/** What a synchronizer does with one event: read copy + tombstone, decide, act, record. */
function step(sim: Sim, e: GuardEvent): void {
  const copy = sim.copy ? owned(sim.copy.uid, sim.copy.rv) : undefined;
  const d = decide(e, copy, { liveSync: LS, tombstoneResourceVersion: sim.tombstones.get(e.uid) });
  if (d.action === "create" || d.action === "update" || d.action === "replace") {
    sim.copy = { uid: e.uid, rv: e.sourceResourceVersion };
    sim.writes++;
  } else if (d.action === "delete") {
    sim.copy = undefined;
    sim.writes++;
  }
  if (e.type === "DELETED" || e.type === "PRUNE") {
    sim.tombstones.set(
      e.uid,
      maxResourceVersion(sim.tombstones.get(e.uid), e.sourceResourceVersion),
    );
  }
}

/**
 * A random history of one name: incarnations (uids) created, modified, resynced and deleted in
 * turn (the last one possibly alive); resourceVersions grow globally. PRUNEs of a deleted uid
 * carry a later list resourceVersion, possibly above the next incarnation's versions.
 */
function history(rand: () => number): {
  events: GuardEvent[];
  final?: { uid: string; rv: string };
} {
  let rv = Math.floor(rand() * 5) + 1;
  const next = () => String((rv += Math.floor(rand() * 3) + 1));
  const events: GuardEvent[] = [];
  const prunes: { uid: string; minRv: number }[] = [];
  const incarnations = Math.floor(rand() * 4) + 1;
  let final: { uid: string; rv: string } | undefined;
  for (let i = 0; i < incarnations; i++) {
    const uid = `uid-${i}`;
    let cur = next();
    events.push(ev("ADDED", uid, cur));
    const mods = Math.floor(rand() * 4);
    for (let m = 0; m < mods; m++) {
      cur = next();
      events.push(ev("MODIFIED", uid, cur));
      if (rand() < 0.3) events.push(ev("RESYNC", uid, cur));
    }
    const last = i === incarnations - 1;
    if (!last || rand() < 0.4) {
      const del = next();
      events.push(ev("DELETED", uid, del));
      if (rand() < 0.5) prunes.push({ uid, minRv: Number(del) });
      final = undefined;
    } else {
      final = { uid, rv: cur };
    }
  }
  const top = rv + 5;
  for (const p of prunes) {
    events.push(ev("PRUNE", p.uid, String(p.minRv + Math.floor(rand() * (top - p.minRv)))));
  }
  return { events, final };
}

function shuffledWithDuplicates(events: GuardEvent[], rand: () => number): GuardEvent[] {
  const out = [...events];
  const dups = Math.floor(rand() * events.length);
  for (let i = 0; i < dups; i++) out.push(events[Math.floor(rand() * events.length)]!);
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

describe("decide: convergence under reordering and duplication", () => {
  it("in-order processing reaches the source's final state", () => {
    const rand = prng(1);
    for (let n = 0; n < 500; n++) {
      const { events, final } = history(rand);
      const sim: Sim = { tombstones: new Map(), writes: 0 };
      for (const e of events) step(sim, e);
      expect(sim.copy).toEqual(final);
    }
  });

  it("every permutation with duplicates converges to the in-order result", () => {
    const rand = prng(20240601);
    for (let n = 0; n < 3000; n++) {
      const { events, final } = history(rand);
      const order = shuffledWithDuplicates(events, rand);
      const sim: Sim = { tombstones: new Map(), writes: 0 };
      for (const e of order) step(sim, e);
      if (JSON.stringify(sim.copy) !== JSON.stringify(final)) {
        throw new Error(
          `diverged (run ${n}): got ${JSON.stringify(sim.copy)}, want ${JSON.stringify(final)}\n` +
            order.map((e) => `${e.type} ${e.uid} ${e.sourceResourceVersion}`).join("\n"),
        );
      }
    }
  });

  it("replaying everything again changes nothing (idempotent)", () => {
    const rand = prng(7);
    for (let n = 0; n < 500; n++) {
      const { events } = history(rand);
      const sim: Sim = { tombstones: new Map(), writes: 0 };
      for (const e of shuffledWithDuplicates(events, rand)) step(sim, e);
      const before = { copy: sim.copy, writes: sim.writes };
      for (const e of shuffledWithDuplicates(events, rand)) step(sim, e);
      expect({ copy: sim.copy, writes: sim.writes }).toEqual(before);
    }
  });

  it("the tombstone is what stops a late ADDED from resurrecting a deleted object", () => {
    const order = [ev("ADDED", "a", "1"), ev("DELETED", "a", "3"), ev("MODIFIED", "a", "2")];
    const withTombstones: Sim = { tombstones: new Map(), writes: 0 };
    for (const e of order) step(withTombstones, e);
    expect(withTombstones.copy).toBeUndefined();
    // Without a tombstone the stale MODIFIED would re-create the copy.
    expect(decide(order[2]!, undefined, { liveSync: LS }).action).toBe("create");
  });
});
