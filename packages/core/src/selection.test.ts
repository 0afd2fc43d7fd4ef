import { describe, expect, it } from "vitest";
import {
  compileFilters,
  FilterError,
  isSystemNamespace,
  matchesLabelSelector,
} from "./selection.js";
import type { KubeObject, LabelSelector } from "./types.js";

const obj = (name: string, labels?: Record<string, string>): KubeObject => ({
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: { name, namespace: "app", ...(labels ? { labels } : {}) },
});

describe("matchesLabelSelector", () => {
  it("undefined and empty selectors match everything, even unlabelled objects", () => {
    expect(matchesLabelSelector(undefined, undefined)).toBe(true);
    expect(matchesLabelSelector({}, undefined)).toBe(true);
    expect(matchesLabelSelector({ matchLabels: {}, matchExpressions: [] }, { a: "1" })).toBe(true);
  });

  it("matchLabels requires every pair", () => {
    const sel = { matchLabels: { a: "1", b: "2" } };
    expect(matchesLabelSelector(sel, { a: "1", b: "2", c: "3" })).toBe(true);
    expect(matchesLabelSelector(sel, { a: "1" })).toBe(false);
    expect(matchesLabelSelector(sel, { a: "1", b: "x" })).toBe(false);
    expect(matchesLabelSelector(sel, undefined)).toBe(false);
  });

  it("does not match inherited properties", () => {
    expect(
      matchesLabelSelector({ matchExpressions: [{ key: "toString", operator: "Exists" }] }, {}),
    ).toBe(false);
    expect(matchesLabelSelector({ matchLabels: { constructor: "x" } }, {})).toBe(false);
  });

  const table: [string, LabelSelector, Record<string, string> | undefined, boolean][] = [
    [
      "In: value listed",
      { matchExpressions: [{ key: "env", operator: "In", values: ["a", "b"] }] },
      { env: "b" },
      true,
    ],
    [
      "In: value not listed",
      { matchExpressions: [{ key: "env", operator: "In", values: ["a"] }] },
      { env: "b" },
      false,
    ],
    [
      "In: key absent",
      { matchExpressions: [{ key: "env", operator: "In", values: ["a"] }] },
      {},
      false,
    ],
    [
      "In: no values matches nothing",
      { matchExpressions: [{ key: "env", operator: "In", values: [] }] },
      { env: "" },
      false,
    ],
    [
      "NotIn: value listed",
      { matchExpressions: [{ key: "env", operator: "NotIn", values: ["a"] }] },
      { env: "a" },
      false,
    ],
    [
      "NotIn: other value",
      { matchExpressions: [{ key: "env", operator: "NotIn", values: ["a"] }] },
      { env: "b" },
      true,
    ],
    [
      "NotIn: key absent matches (k8s)",
      { matchExpressions: [{ key: "env", operator: "NotIn", values: ["a"] }] },
      undefined,
      true,
    ],
    [
      "Exists: present (empty value)",
      { matchExpressions: [{ key: "env", operator: "Exists" }] },
      { env: "" },
      true,
    ],
    [
      "Exists: absent",
      { matchExpressions: [{ key: "env", operator: "Exists" }] },
      { other: "x" },
      false,
    ],
    [
      "DoesNotExist: absent",
      { matchExpressions: [{ key: "env", operator: "DoesNotExist" }] },
      { other: "x" },
      true,
    ],
    [
      "DoesNotExist: present",
      { matchExpressions: [{ key: "env", operator: "DoesNotExist" }] },
      { env: "x" },
      false,
    ],
    [
      "labels AND expressions: both hold",
      {
        matchLabels: { app: "web" },
        matchExpressions: [{ key: "tier", operator: "In", values: ["fe"] }],
      },
      { app: "web", tier: "fe" },
      true,
    ],
    [
      "labels AND expressions: expression fails",
      {
        matchLabels: { app: "web" },
        matchExpressions: [{ key: "tier", operator: "In", values: ["fe"] }],
      },
      { app: "web", tier: "be" },
      false,
    ],
    [
      "all expressions must hold",
      {
        matchExpressions: [
          { key: "a", operator: "Exists" },
          { key: "b", operator: "DoesNotExist" },
        ],
      },
      { a: "1", b: "2" },
      false,
    ],
    [
      "unknown operator matches nothing",
      { matchExpressions: [{ key: "a", operator: "Gt" as "In", values: ["1"] }] },
      { a: "2" },
      false,
    ],
  ];
  it.each(table)("%s", (_name, sel, labels, want) => {
    expect(matchesLabelSelector(sel, labels)).toBe(want);
  });
});

describe("compileFilters", () => {
  it("no filters select everything and use no namespace selector", () => {
    for (const f of [undefined, {}]) {
      const c = compileFilters(f);
      expect(c.usesNamespaceSelector).toBe(false);
      expect(c.matchesNamespace(undefined)).toBe(true);
      expect(c.matchesObject(obj("anything"))).toBe(true);
    }
  });

  it("regexes are anchored full matches", () => {
    const c = compileFilters({ nameSelector: { regex: ["config.*"] } });
    expect(c.matchesObject(obj("config"))).toBe(true);
    expect(c.matchesObject(obj("config-a"))).toBe(true);
    expect(c.matchesObject(obj("my-config"))).toBe(false);
    const d = compileFilters({ nameSelector: { regex: ["web"] } });
    expect(d.matchesObject(obj("web"))).toBe(true);
    expect(d.matchesObject(obj("web-2"))).toBe(false);
    expect(d.matchesObject(obj("a-web"))).toBe(false);
  });

  it("alternation is anchored as a whole (^(?:a|b)$, not ^a|b$)", () => {
    const c = compileFilters({ nameSelector: { regex: ["a|b"] } });
    expect(c.matchesObject(obj("a"))).toBe(true);
    expect(c.matchesObject(obj("b"))).toBe(true);
    expect(c.matchesObject(obj("ab"))).toBe(false);
    expect(c.matchesObject(obj("xb"))).toBe(false);
  });

  it("any regex may match", () => {
    const c = compileFilters({ nameSelector: { regex: ["a-.*", "b-.*"] } });
    expect(c.matchesObject(obj("a-1"))).toBe(true);
    expect(c.matchesObject(obj("b-1"))).toBe(true);
    expect(c.matchesObject(obj("c-1"))).toBe(false);
  });

  it("an empty regex list selects every name", () => {
    expect(compileFilters({ nameSelector: { regex: [] } }).matchesObject(obj("x"))).toBe(true);
  });

  it("excludeRegex alone excludes full matches only", () => {
    const c = compileFilters({ nameSelector: { excludeRegex: [".*\\.test"] } });
    expect(c.matchesObject(obj("app.test"))).toBe(false);
    expect(c.matchesObject(obj("app.test.x"))).toBe(true);
    expect(c.matchesObject(obj("app"))).toBe(true);
  });

  it("exclude wins over include", () => {
    const c = compileFilters({
      nameSelector: { regex: ["config.*"], excludeRegex: ["config-tmp.*"] },
    });
    expect(c.matchesObject(obj("config-a"))).toBe(true);
    expect(c.matchesObject(obj("config-tmp-1"))).toBe(false);
  });

  it("selector and nameSelector must both hold", () => {
    const c = compileFilters({
      selector: { matchLabels: { dr: "enabled" } },
      nameSelector: { regex: ["web-.*"] },
    });
    expect(c.matchesObject(obj("web-1", { dr: "enabled" }))).toBe(true);
    expect(c.matchesObject(obj("web-1"))).toBe(false);
    expect(c.matchesObject(obj("db-1", { dr: "enabled" }))).toBe(false);
  });

  it("namespaceSelector applies to namespace labels only", () => {
    const c = compileFilters({
      namespaceSelector: { matchLabels: { "disaster-recovery": "enabled" } },
    });
    expect(c.usesNamespaceSelector).toBe(true);
    expect(c.matchesNamespace({ "disaster-recovery": "enabled" })).toBe(true);
    expect(c.matchesNamespace({ "disaster-recovery": "disabled" })).toBe(false);
    expect(c.matchesNamespace(undefined)).toBe(false);
    // The object's own labels are irrelevant to the namespace selector.
    expect(c.matchesObject(obj("x"))).toBe(true);
  });

  it("an empty namespaceSelector does not need namespace lookups", () => {
    expect(compileFilters({ namespaceSelector: {} }).usesNamespaceSelector).toBe(false);
    expect(
      compileFilters({
        namespaceSelector: { matchExpressions: [{ key: "a", operator: "Exists" }] },
      }).usesNamespaceSelector,
    ).toBe(true);
  });

  it("rejects an invalid regex with its path (the documented `*.test` example)", () => {
    expect(() => compileFilters({ nameSelector: { excludeRegex: ["ok", "*.test"] } })).toThrow(
      /^nameSelector\.excludeRegex\[1\]: invalid regular expression "\*\.test"/,
    );
    try {
      compileFilters({ nameSelector: { regex: ["("] } });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(FilterError);
      expect((err as FilterError).path).toBe("nameSelector.regex[0]");
    }
  });

  it("a regex cannot escape its anchors with a closing group", () => {
    expect(() => compileFilters({ nameSelector: { regex: [")|(.*"] } })).toThrow(FilterError);
  });

  it("rejects malformed expressions with their path", () => {
    expect(() =>
      compileFilters({
        selector: { matchExpressions: [{ key: "a", operator: "In", values: [] }] },
      }),
    ).toThrow("selector.matchExpressions[0]: operator In needs at least one value");
    expect(() =>
      compileFilters({
        namespaceSelector: { matchExpressions: [{ key: "a", operator: "Exists", values: ["x"] }] },
      }),
    ).toThrow("namespaceSelector.matchExpressions[0]: operator Exists takes no values");
    expect(() =>
      compileFilters({ selector: { matchExpressions: [{ key: "a", operator: "Lt" as "In" }] } }),
    ).toThrow(/unknown operator "Lt"/);
  });
});

describe("isSystemNamespace", () => {
  it("knows the cluster's own namespaces", () => {
    for (const ns of ["kube-system", "kube-public", "kube-node-lease"]) {
      expect(isSystemNamespace(ns)).toBe(true);
    }
    for (const ns of ["default", "kube-systems", "app", undefined])
      expect(isSystemNamespace(ns)).toBe(false);
  });
});
