import { describe, expect, it } from "vitest";
import { hasDrifted, planReconcile, type OwnedCopy, type SelectedSource } from "./reconcile.js";

const src = (uid: string, rv = "10"): SelectedSource => ({ uid, resourceVersion: rv });
const copy = (sourceUid: string, extra: Partial<OwnedCopy> = {}): OwnedCopy => ({
  sourceUid,
  sourceResourceVersion: "10",
  drifted: false,
  terminating: false,
  ...extra,
});
/** The plan from a complete source listing of exactly `selected`. */
const planFor = (
  selected: ReadonlyMap<string, SelectedSource>,
  copies: ReadonlyMap<string, OwnedCopy>,
) =>
  planReconcile(
    { state: "listed", resource: "v1/configmaps", selected, total: selected.size },
    copies,
  );

describe("planReconcile", () => {
  it("prunes copies whose source is gone or no longer selected, and only those", () => {
    const plan = planFor(
      new Map([["ns/kept", src("u1")]]),
      new Map([
        ["ns/kept", copy("u1")],
        ["ns/deleted", copy("u2")],
        ["other/unlabelled", copy("u3")],
      ]),
    );
    expect(plan).toEqual({
      prune: ["ns/deleted", "other/unlabelled"],
      repair: [],
      missing: [],
      stale: [],
    });
  });

  it("reports selected objects without a copy as missing", () => {
    const plan = planFor(
      new Map([
        ["ns/a", src("u1")],
        ["ns/b", src("u2")],
      ]),
      new Map([["ns/a", copy("u1")]]),
    );
    expect(plan.missing).toEqual(["ns/b"]);
  });

  it("treats a copy of an older incarnation (other source uid) as missing, not as prunable", () => {
    const plan = planFor(new Map([["ns/a", src("new")]]), new Map([["ns/a", copy("old")]]));
    expect(plan).toEqual({ prune: [], repair: [], missing: ["ns/a"], stale: [] });
  });

  it("repairs drifted copies and leaves terminating ones alone", () => {
    const plan = planFor(
      new Map([
        ["ns/a", src("u1")],
        ["ns/b", src("u2")],
      ]),
      new Map([
        ["ns/a", copy("u1", { drifted: true })],
        ["ns/gone", copy("u9", { terminating: true })],
        ["ns/b", copy("u2")],
      ]),
    );
    expect(plan).toEqual({ prune: [], repair: ["ns/a"], missing: [], stale: [] });
  });

  it("re-sends copies that record an older source resourceVersion (a lost update)", () => {
    const plan = planFor(
      new Map([
        ["ns/behind", src("u1", "12")],
        ["ns/current", src("u2", "10")],
        ["ns/ahead", src("u3", "9")], // listed before the copy's newer write: not stale
        ["ns/unrecorded", src("u4", "12")],
      ]),
      new Map([
        ["ns/behind", copy("u1")],
        ["ns/current", copy("u2")],
        ["ns/ahead", copy("u3")],
        ["ns/unrecorded", copy("u4", { sourceResourceVersion: undefined })],
      ]),
    );
    expect(plan).toEqual({ prune: [], repair: [], missing: [], stale: ["ns/behind"] });
  });

  it("prunes nothing when nothing is owned", () => {
    expect(planFor(new Map([["ns/a", src("u1")]]), new Map()).prune).toEqual([]);
  });
});

describe("planReconcile: never prune from a failed, partial or empty source list", () => {
  const copies = new Map([
    ["ns/a", copy("u1", { drifted: true })],
    ["ns/b", copy("u2")],
  ]);
  const nothing = { prune: [], repair: [], missing: [], stale: [] };

  it("a failed listing plans nothing and says why", () => {
    expect(planReconcile({ state: "failed", error: "403 Forbidden" }, copies)).toEqual({
      ...nothing,
      refused: "source list failed: 403 Forbidden",
    });
  });

  it("a partial listing plans nothing and says why", () => {
    const reason = "listing source namespaces failed: timeout";
    expect(planReconcile({ state: "partial", reason }, copies)).toEqual({
      ...nothing,
      refused: reason,
    });
  });

  it("an empty listing prunes nothing while copies exist", () => {
    const empty = { state: "listed", resource: "apps/v1/deployments", total: 0 } as const;
    expect(planReconcile({ ...empty, selected: new Map() }, copies)).toEqual({
      ...nothing,
      refused:
        "the source list of apps/v1/deployments is empty while 2 copies exist; refusing to prune",
    });
    // Not empty: objects were listed, none selected, so the copies are pruned.
    expect(planReconcile({ ...empty, total: 3, selected: new Map() }, copies)).toEqual({
      ...nothing,
      prune: ["ns/a", "ns/b"],
    });
    // Empty with nothing to prune (only terminating copies) is no refusal.
    const going = new Map([["ns/a", copy("u1", { terminating: true })]]);
    expect(planReconcile({ ...empty, selected: new Map() }, going)).toEqual(nothing);
  });
});

describe("hasDrifted", () => {
  it("flags a hand edit and ignores our own and the cluster's writes", () => {
    expect(hasDrifted([{ manager: "livesync", operation: "Apply" }], "livesync")).toBe(false);
    expect(
      hasDrifted(
        [
          { manager: "livesync", operation: "Apply" },
          { manager: "kube-controller-manager", operation: "Update" },
          { manager: "kube-controller-manager", operation: "Update", subresource: "status" },
        ],
        "livesync",
      ),
    ).toBe(false);
    expect(
      hasDrifted(
        [{ manager: "livesync" }, { manager: "kubectl-edit", operation: "Update" }],
        "livesync",
      ),
    ).toBe(true);
    expect(hasDrifted([{ manager: "kubectl", operation: "Apply" }], "livesync")).toBe(true);
  });

  it("does not count status writes by other tools as drift", () => {
    expect(
      hasDrifted(
        [{ manager: "my-operator", operation: "Update", subresource: "status" }],
        "livesync",
      ),
    ).toBe(false);
  });
});
