import { describe, expect, it } from "vitest";
import { retentionPlan, type RetentionFacts } from "./retention.js";

const now = new Date("2026-12-02T12:00:00Z");
const min = (m: number) => new Date(now.getTime() - m * 60_000).toISOString();
/** A backup of schedule "s" started `ago` minutes ago. */
const b = (name: string, ago: number, extra: Partial<RetentionFacts> = {}): RetentionFacts => ({
  namespace: "ns",
  name,
  schedule: "s",
  phase: "Completed",
  started: min(ago),
  completed: min(ago - 1),
  ...extra,
});
const max = (n: number) => new Map([["ns/s", n]]);
const names = (d: { name: string }[]) => d.map((x) => x.name).sort();

describe("retentionPlan", () => {
  it("keeps the newest maxBackups successful backups of a schedule and deletes the older", () => {
    const plan = retentionPlan(
      [b("a", 50), b("b", 40, { phase: "PartiallyFailed" }), b("c", 30), b("d", 20)],
      max(2),
      now,
    );
    expect(names(plan)).toEqual(["a", "b"]);
    expect(plan[0]!.reason).toBe("BeyondMaxBackups");
  });

  it("deletes expired backups, scheduled or not", () => {
    const plan = retentionPlan(
      [
        b("old", 50, { expiration: min(1) }),
        b("new", 10),
        b("manual-old", 50, { schedule: "", expiration: min(5) }),
        b("manual-new", 10, { schedule: "" }),
      ],
      max(5),
      now,
    );
    expect(names(plan)).toEqual(["manual-old", "old"]);
    expect(plan.every((d) => d.reason === "Expired")).toBe(true);
  });

  it("keeps the newest Completed backup even when expired", () => {
    const plan = retentionPlan(
      [
        b("only", 50, { expiration: min(10) }),
        b("broken", 5, { phase: "Failed", expiration: min(1) }),
      ],
      max(3),
      now,
    );
    expect(names(plan)).toEqual(["broken"]);
  });

  it("keeps the newest Completed backup even beyond maxBackups", () => {
    // The two newest are PartiallyFailed: they fill maxBackups, the Completed one stays anyway.
    const plan = retentionPlan(
      [
        b("good", 30),
        b("older", 40),
        b("p1", 20, { phase: "PartiallyFailed" }),
        b("p2", 10, { phase: "PartiallyFailed" }),
      ],
      max(2),
      now,
    );
    expect(names(plan)).toEqual(["older"]);
  });

  it("never deletes a backup not finished, even expired", () => {
    const plan = retentionPlan(
      [
        b("running", 50, { phase: "InProgress", expiration: min(1) }),
        b("new", 60, { phase: "New" }),
      ],
      max(1),
      now,
    );
    expect(plan).toEqual([]);
  });

  it("keeps maxBackups failed backups apart from the successful ones", () => {
    const plan = retentionPlan(
      [
        b("ok", 100),
        b("f1", 40, { phase: "Failed" }),
        b("f2", 30, { phase: "Failed" }),
        b("f3", 20, { phase: "Failed" }),
      ],
      max(2),
      now,
    );
    expect(names(plan)).toEqual(["f1"]);
  });

  it("applies only expiry to the backups of a schedule that no longer exists", () => {
    const plan = retentionPlan([b("a", 50), b("b", 40), b("c", 30)], new Map(), now);
    expect(plan).toEqual([]);
  });

  it("treats schedules of the same name in two namespaces apart", () => {
    const plan = retentionPlan(
      [
        b("a", 50),
        b("b", 40),
        b("x", 50, { namespace: "other" }),
        b("y", 40, { namespace: "other" }),
      ],
      max(1),
      now,
    );
    expect(plan.map((d) => `${d.namespace}/${d.name}`)).toEqual(["ns/a"]);
  });

  it("orders instants written with and without milliseconds correctly", () => {
    const plan = retentionPlan(
      [
        b("whole", 0, { started: "2026-12-02T11:00:00Z", completed: "2026-12-02T11:00:01Z" }),
        b("millis", 0, {
          started: "2026-12-02T11:00:00.500Z",
          completed: "2026-12-02T11:00:01.5Z",
        }),
      ],
      max(1),
      now,
    );
    expect(names(plan)).toEqual(["whole"]);
  });
});
