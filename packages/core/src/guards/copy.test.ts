import { describe, expect, it } from "vitest";
import {
  compareResourceVersions,
  copyStateOf,
  type CopyState,
  decide,
  type DecideOptions,
  type GuardEvent,
  type GuardEventType,
  maxResourceVersion,
} from "./copy.js";
import { markCopy } from "../ownership.js";

const LS = "dr/main";

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

const ev = (type: GuardEventType, uid: string, rv: string): GuardEvent => ({
  type,
  uid,
  sourceResourceVersion: rv,
});
const owned = (uid: string, rv: string, extra: Partial<CopyState> = {}): CopyState => ({
  owner: LS,
  sourceUid: uid,
  sourceResourceVersion: rv,
  ...extra,
});

describe("decide: apply events", () => {
  const rows: [
    string,
    GuardEvent,
    CopyState | undefined,
    Partial<DecideOptions>,
    string,
    RegExp,
  ][] = [
    [
      "no copy -> create",
      ev("ADDED", "a", "10"),
      undefined,
      {},
      "create",
      /not in the destination/,
    ],
    ["no copy, RESYNC -> create", ev("RESYNC", "a", "10"), undefined, {}, "create", /./],
    [
      "no copy, older than tombstone -> skip",
      ev("ADDED", "a", "10"),
      undefined,
      { tombstoneResourceVersion: "12" },
      "skip",
      /deleted later/,
    ],
    [
      "no copy, equal to tombstone -> skip",
      ev("MODIFIED", "a", "12"),
      undefined,
      { tombstoneResourceVersion: "12" },
      "skip",
      /deleted later/,
    ],
    [
      "no copy, newer than tombstone -> create",
      ev("MODIFIED", "a", "13"),
      undefined,
      { tombstoneResourceVersion: "12" },
      "create",
      /./,
    ],
    [
      "no copy, tombstone incomparable -> create",
      ev("ADDED", "a", "x"),
      undefined,
      { tombstoneResourceVersion: "y" },
      "create",
      /./,
    ],
    [
      "copy of an older incarnation, event older than its tombstone -> skip",
      ev("MODIFIED", "b", "6"),
      owned("a", "1"),
      { tombstoneResourceVersion: "7" },
      "skip",
      /deleted later/,
    ],
    [
      "unowned copy -> conflict",
      ev("ADDED", "a", "10"),
      { sourceUid: "a" },
      {},
      "skip",
      /^conflict: .*not created by livesync/,
    ],
    [
      "copy of another LiveSync -> conflict",
      ev("MODIFIED", "a", "10"),
      owned("a", "1", { owner: "dr/other" }),
      {},
      "skip",
      /^conflict: .*owned by LiveSynchronization dr\/other/,
    ],
    [
      "terminating copy -> skip",
      ev("MODIFIED", "a", "11"),
      owned("a", "10", { terminating: true }),
      {},
      "skip",
      /being deleted/,
    ],
    [
      "newer rv, same uid -> update",
      ev("MODIFIED", "a", "11"),
      owned("a", "10"),
      {},
      "update",
      /10 -> 11/,
    ],
    [
      "newer rv, new uid -> replace",
      ev("ADDED", "b", "20"),
      owned("a", "10"),
      {},
      "replace",
      /re-created \(uid a -> b\)/,
    ],
    [
      "equal rv -> skip duplicate",
      ev("MODIFIED", "a", "10"),
      owned("a", "10"),
      {},
      "skip",
      /^duplicate/,
    ],
    [
      "RESYNC of the same version -> skip duplicate",
      ev("RESYNC", "a", "10"),
      owned("a", "10"),
      {},
      "skip",
      /^duplicate/,
    ],
    [
      "equal rv, same content -> skip",
      ev("RESYNC", "a", "10"),
      owned("a", "10", { contentHash: "h1" }),
      { desiredContentHash: "h1" },
      "skip",
      /^duplicate/,
    ],
    [
      "equal rv, changed transformation -> update",
      ev("RESYNC", "a", "10"),
      owned("a", "10", { contentHash: "h1" }),
      { desiredContentHash: "h2" },
      "update",
      /different content/,
    ],
    [
      "older rv, same uid (reorder) -> skip stale",
      ev("MODIFIED", "a", "9"),
      owned("a", "10"),
      {},
      "skip",
      /^stale: source resourceVersion 9 is older/,
    ],
    [
      "older rv, old uid after replace -> skip stale",
      ev("MODIFIED", "a", "15"),
      owned("b", "20"),
      {},
      "skip",
      /previous incarnation/,
    ],
    [
      "numeric compare, not lexicographic",
      ev("MODIFIED", "a", "10"),
      owned("a", "9"),
      {},
      "update",
      /./,
    ],
    [
      "incomparable rvs, same uid -> update",
      ev("MODIFIED", "a", "opaque-2"),
      owned("a", "opaque-1"),
      {},
      "update",
      /not comparable/,
    ],
    [
      "incomparable rvs, new uid -> replace",
      ev("MODIFIED", "b", "opaque-2"),
      owned("a", "opaque-1"),
      {},
      "replace",
      /./,
    ],
    [
      "incomparable but equal -> skip",
      ev("MODIFIED", "a", "opaque"),
      owned("a", "opaque"),
      {},
      "skip",
      /^duplicate/,
    ],
    [
      "owned copy without recorded rv -> update",
      ev("MODIFIED", "a", "3"),
      { owner: LS, sourceUid: "a" },
      {},
      "update",
      /no source resourceVersion/,
    ],
    [
      "owned copy without recorded uid -> update",
      ev("MODIFIED", "a", "3"),
      { owner: LS, sourceResourceVersion: "2" },
      {},
      "update",
      /./,
    ],
  ];
  it.each(rows)("%s", (_name, event, copy, opts, action, reason) => {
    const d = decide(event, copy, { liveSync: LS, ...opts });
    expect(d.action).toBe(action);
    expect(d.reason).toMatch(reason);
  });
});

describe("decide: delete events", () => {
  const rows: [string, GuardEvent, CopyState | undefined, string, RegExp][] = [
    ["no copy -> skip", ev("DELETED", "a", "10"), undefined, "skip", /already gone/],
    // Deleting what we never made (kube-root-ca.crt when a namespace goes) is not a conflict.
    [
      "unowned -> skip, not a conflict",
      ev("DELETED", "a", "10"),
      { sourceUid: "a", sourceResourceVersion: "5" },
      "skip",
      /^not a copy made by this LiveSynchronization$/,
    ],
    [
      "other LiveSync -> skip, not a conflict",
      ev("PRUNE", "a", "10"),
      owned("a", "5", { owner: "x/y" }),
      "skip",
      /^not a copy made by this LiveSynchronization$/,
    ],
    [
      "terminating -> skip",
      ev("DELETED", "a", "10"),
      owned("a", "5", { terminating: true }),
      "skip",
      /already being deleted/,
    ],
    [
      "same uid, older copy -> delete",
      ev("DELETED", "a", "10"),
      owned("a", "5"),
      "delete",
      /DELETED at source resourceVersion 10/,
    ],
    ["same uid, equal rv -> delete", ev("PRUNE", "a", "10"), owned("a", "10"), "delete", /PRUNE/],
    [
      "copy newer than the delete -> skip",
      ev("DELETED", "a", "10"),
      owned("b", "20"),
      "skip",
      /newer than this delete/,
    ],
    [
      "same uid, copy newer (prune from a stale list) -> skip",
      ev("PRUNE", "a", "10"),
      owned("a", "12"),
      "skip",
      /newer/,
    ],
    [
      "DELETED of a later uid, copy of an older incarnation -> delete",
      ev("DELETED", "b", "30"),
      owned("a", "10"),
      "delete",
      /./,
    ],
    [
      "PRUNE of another uid -> skip",
      ev("PRUNE", "a", "50"),
      owned("b", "30"),
      "skip",
      /another source object/,
    ],
    ["incomparable -> delete", ev("DELETED", "a", "x"), owned("a", "y"), "delete", /./],
    ["copy without records -> delete", ev("DELETED", "a", "10"), { owner: LS }, "delete", /./],
  ];
  it.each(rows)("%s", (_name, event, copy, action, reason) => {
    const d = decide(event, copy, { liveSync: LS });
    expect(d.action).toBe(action);
    expect(d.reason).toMatch(reason);
  });
});

describe("decide: skips say their kind, repair is an input", () => {
  it.each<[string, GuardEvent, CopyState | undefined, Partial<DecideOptions>, string]>([
    ["delete of nothing", ev("DELETED", "a", "10"), undefined, {}, "gone"],
    ["delete of another's object", ev("DELETED", "a", "10"), { owner: "x/y" }, {}, "not-ours"],
    [
      "delete while terminating",
      ev("PRUNE", "a", "10"),
      owned("a", "5", { terminating: true }),
      {},
      "terminating",
    ],
    ["prune of another uid", ev("PRUNE", "a", "50"), owned("b", "30"), {}, "other-incarnation"],
    ["delete older than the copy", ev("DELETED", "a", "10"), owned("b", "12"), {}, "newer-copy"],
    [
      "apply below a tombstone",
      ev("ADDED", "a", "10"),
      undefined,
      { tombstoneResourceVersion: "12" },
      "tombstone",
    ],
    ["apply over an unowned object", ev("ADDED", "a", "10"), {}, {}, "conflict"],
    [
      "apply over a terminating copy",
      ev("MODIFIED", "a", "10"),
      owned("a", "5", { terminating: true }),
      {},
      "terminating",
    ],
    ["same version", ev("RESYNC", "a", "10"), owned("a", "10"), {}, "duplicate"],
    ["older version", ev("MODIFIED", "a", "9"), owned("a", "10"), { repair: true }, "stale"],
  ])("%s -> skip %s", (_name, event, copy, opts, kind) => {
    expect(decide(event, copy, { liveSync: LS, ...opts })).toMatchObject({ action: "skip", kind });
  });

  it("a repair re-applies a copy that already reflects the source version", () => {
    const d = decide(ev("RESYNC", "a", "10"), owned("a", "10"), { liveSync: LS, repair: true });
    expect(d).toMatchObject({
      action: "update",
      repair: true,
      reason: expect.stringMatching(/^repair/),
    });
    // A changed transformation is an ordinary update, repair or not.
    const changed = decide(ev("RESYNC", "a", "10"), owned("a", "10", { contentHash: "old" }), {
      liveSync: LS,
      repair: true,
      desiredContentHash: "new",
    });
    expect(changed).toEqual({
      action: "update",
      reason: expect.stringMatching(/different content/),
    });
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
