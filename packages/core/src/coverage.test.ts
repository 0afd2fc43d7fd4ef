import { describe, expect, it } from "vitest";
import { compileSelection, selectRule } from "./coverage.js";
import { FilterError } from "./selection.js";

const CM = { group: "", version: "v1", resource: "configmaps" };
const DEPLOY = { group: "apps", version: "v1", resource: "deployments" };
const obj = (name: string, labels?: Record<string, string>) => ({
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: { name, namespace: "ns", labels },
});

describe("compileSelection", () => {
  it("groups resources[] entries by resource, rules in resources[] order", () => {
    const s = compileSelection([
      { ...CM, filters: { selector: { matchLabels: { tier: "a" } } } },
      DEPLOY,
      { ...CM, filters: { nameSelector: { regex: ["x-.*"] } } },
    ]);
    expect(s.resources.map((r) => [r.key, r.gvr, r.rules.map((x) => x.index)])).toEqual([
      ["v1/configmaps", CM, [0, 2]],
      ["apps/v1/deployments", DEPLOY, [1]],
    ]);
    expect(s.needsNamespaceLabels).toBe(false);
    // The first rule that selects an object gives its index.
    const rules = s.resources[0]!.rules;
    const labels = () => ({});
    expect(selectRule(rules, obj("x-1", { tier: "a" }), true, labels)?.index).toBe(0);
    expect(selectRule(rules, obj("x-1"), true, labels)?.index).toBe(2);
    expect(selectRule(rules, obj("y"), true, labels)).toBeUndefined();
  });

  it("needs namespace labels when some entry has a namespaceSelector", () => {
    const s = compileSelection([CM, { ...DEPLOY, filters: { namespaceSelector: {} } }]);
    expect(s.needsNamespaceLabels).toBe(true);
  });

  it("rejects invalid filters", () => {
    expect(() =>
      compileSelection([{ ...CM, filters: { nameSelector: { regex: ["("] } } }]),
    ).toThrow(FilterError);
  });
});
