import { describe, expect, it } from "vitest";
import { kindRulesFor, mergeKindRules, REPLICATION_RULES } from "./index.js";

describe("kind rules", () => {
  it("are found by group and kind, then by group", () => {
    expect(kindRulesFor(REPLICATION_RULES, "", "Pod")).toEqual([REPLICATION_RULES.get("/Pod")]);
    expect(kindRulesFor(REPLICATION_RULES, "batch", "Job")).toHaveLength(1);
    expect(kindRulesFor(REPLICATION_RULES, "rbac.authorization.k8s.io", "Role")).toEqual([
      REPLICATION_RULES.get("rbac.authorization.k8s.io/*"),
    ]);
    // Same kind name, other group: not the core Pod's rule.
    expect(kindRulesFor(REPLICATION_RULES, "example.com", "Pod")).toEqual([]);
  });

  it("two rules for one kind are refused, not silently overridden", () => {
    const skip = () => undefined;
    expect(() => mergeKindRules({ "/Pod": { skip } }, { "/Pod": { skip } })).toThrow(
      "two kind rules for /Pod",
    );
    expect(mergeKindRules({ "/Pod": { skip } }, { "batch/Job": { skip } }).size).toBe(2);
  });
});
