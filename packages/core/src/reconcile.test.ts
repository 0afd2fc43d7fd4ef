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

describe("planReconcile", () => {
  it("prunes copies whose source is gone or no longer selected, and only those", () => {
    const plan = planReconcile(
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
    const plan = planReconcile(
      new Map([
        ["ns/a", src("u1")],
        ["ns/b", src("u2")],
      ]),
      new Map([["ns/a", copy("u1")]]),
    );
    expect(plan.missing).toEqual(["ns/b"]);
  });

  it("treats a copy of an older incarnation (other source uid) as missing, not as prunable", () => {
    const plan = planReconcile(new Map([["ns/a", src("new")]]), new Map([["ns/a", copy("old")]]));
    expect(plan).toEqual({ prune: [], repair: [], missing: ["ns/a"], stale: [] });
  });

  it("repairs drifted copies and leaves terminating ones alone", () => {
    const plan = planReconcile(
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
    const plan = planReconcile(
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
    expect(planReconcile(new Map([["ns/a", src("u1")]]), new Map()).prune).toEqual([]);
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
