import { describe, expect, it } from "vitest";
import type { LiveSyncStatus } from "./engine.js";
import { combineStatuses, liveReports, mergeStatuses, type ProcessReport } from "./status-merge.js";

const status = (s: Partial<LiveSyncStatus>): LiveSyncStatus => ({
  liveSync: "dr/main",
  state: "standby",
  synced: 0,
  pending: 0,
  failed: 0,
  conflicts: 0,
  problems: [],
  ...s,
});

const report = (process: string, at: number, s: Partial<LiveSyncStatus>): ProcessReport => ({
  process,
  components: ["synchronizer"],
  at: new Date(at).toISOString(),
  status: status(s),
});

describe("liveReports", () => {
  it("keeps the reports written recently, but not this process's own", () => {
    const now = Date.parse("2026-01-01T00:10:00Z");
    const reports = [
      report("a", now - 1_000, {}),
      report("b", now - 31_000, {}),
      report("me", now, {}),
    ];
    expect(liveReports(reports, now, { except: "me" }).map((r) => r.process)).toEqual(["a"]);
    expect(liveReports(reports, now, { staleMs: 60_000 }).map((r) => r.process)).toEqual([
      "a",
      "b",
      "me",
    ]);
  });
});

describe("mergeStatuses: one status from the views of a split deployment's processes", () => {
  it("one view is itself", () => {
    const only = status({ state: "running", synced: 3, lagMs: 12 });
    expect(mergeStatuses([only])).toBe(only);
  });

  it("a conflict seen only by the synchronizer and a bucket problem seen only by the archiver both show", () => {
    const listener = status({ state: "running", problems: [] });
    const synchronizer = status({
      synced: 5,
      conflicts: 1,
      lagMs: 40,
      problems: ["conflict: shop/web: exists in the destination and was not created by livesync"],
    });
    const archiver = status({ archived: 7, problems: ["bucket: access denied"] });
    expect(mergeStatuses([listener, synchronizer, archiver])).toEqual({
      liveSync: "dr/main",
      state: "running",
      synced: 5,
      pending: 0,
      failed: 0,
      conflicts: 1,
      lagMs: 40,
      archived: 7,
      problems: [
        "conflict: shop/web: exists in the destination and was not created by livesync",
        "bucket: access denied",
      ],
    });
  });

  it("the worst state wins; the same problem seen by two replicas shows once; counts are the largest view", () => {
    const p = "failed: shop/x: boom";
    const merged = mergeStatuses([
      status({ state: "running", synced: 10, failed: 1, problems: [p] }),
      status({ state: "error", synced: 4, failed: 1, problems: [p, "destination unreachable"] }),
    ]);
    expect(merged).toMatchObject({ state: "error", synced: 10, failed: 1 });
    expect(merged.problems).toEqual([p, "destination unreachable"]);
    expect(
      mergeStatuses([status({ state: "suspended" }), status({ state: "suspended" })]).state,
    ).toBe("suspended");
    expect(
      mergeStatuses([status({ state: "suspended" }), status({ state: "standby" })]).state,
    ).toBe("standby");
  });

  it("the newest reconcile report is kept", () => {
    const r = (at: string) => ({
      at,
      durationMs: 1,
      pruned: 0,
      repaired: 0,
      missing: at.endsWith("2Z") ? 2 : 1,
      stale: 0,
      resources: [],
    });
    const merged = mergeStatuses([
      status({ lastReconcile: r("2026-01-01T00:00:01Z") }),
      status({ lastReconcile: r("2026-01-01T00:00:02Z") }),
      status({}),
    ]);
    expect(merged.lastReconcile?.missing).toBe(2);
  });
});

describe("combineStatuses", () => {
  it("nothing known: undefined; local only: as it is; reports join the local view per LiveSynchronization", () => {
    expect(combineStatuses(undefined, undefined)).toBeUndefined();
    expect(combineStatuses(undefined, [])).toBeUndefined();
    const local = [status({ liveSync: "dr/a", state: "running" })];
    expect(combineStatuses(local, [])).toBe(local);
    const combined = combineStatuses(local, [
      report("sync-1", Date.now(), { liveSync: "dr/b", conflicts: 2, problems: ["conflict: x"] }),
      report("sync-1", Date.now(), { liveSync: "dr/a", problems: ["failed: y"] }),
    ]);
    expect(combined?.map((s) => [s.liveSync, s.state, s.problems])).toEqual([
      ["dr/a", "running", ["failed: y"]],
      ["dr/b", "standby", ["conflict: x"]],
    ]);
  });
});
