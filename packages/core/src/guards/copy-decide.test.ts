import { describe, expect, it } from "vitest";
import { decide, type DecideOptions, type GuardEvent, type CopyState } from "./copy.js";
import { ev, LS, owned } from "./test-fixtures.js";

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
