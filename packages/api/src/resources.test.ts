import { describe, expect, it } from "vitest";
import { filtersMayOverlap } from "./resources.js";
import type { LabelSelector, NameSelector, ResourceFilters } from "./types.js";

type Case<T> = [description: string, a: T | undefined, b: T | undefined];

const labels = (matchLabels: Record<string, string>): LabelSelector => ({ matchLabels });
const expr = (
  key: string,
  operator: "In" | "NotIn" | "Exists" | "DoesNotExist",
  ...values: string[]
): LabelSelector => ({
  matchExpressions: [{ key, operator, ...(values.length ? { values } : {}) }],
});
const both = (...sels: LabelSelector[]): LabelSelector => ({
  matchLabels: Object.assign({}, ...sels.map((s) => s.matchLabels ?? {})),
  matchExpressions: sels.flatMap((s) => s.matchExpressions ?? []),
});

const DISJOINT_SELECTORS: Case<LabelSelector>[] = [
  ["a=x vs a=y", labels({ a: "x" }), labels({ a: "y" })],
  ["a=x vs a NotIn [x]", labels({ a: "x" }), expr("a", "NotIn", "x")],
  [
    "a=x vs a DoesNotExist (the issue's bad=yes case)",
    labels({ bad: "yes" }),
    expr("bad", "DoesNotExist"),
  ],
  ["a=x vs a In [y,z]", labels({ a: "x" }), expr("a", "In", "y", "z")],
  ["a In [x,y] vs a In [z]", expr("a", "In", "x", "y"), expr("a", "In", "z")],
  ["a In [x,y] vs a NotIn [x,y]", expr("a", "In", "x", "y"), expr("a", "NotIn", "y", "x")],
  ["a Exists vs a DoesNotExist", expr("a", "Exists"), expr("a", "DoesNotExist")],
  ["a In [x] vs a DoesNotExist", expr("a", "In", "x"), expr("a", "DoesNotExist")],
  ["one disjoint key among others", labels({ a: "x", b: "1" }), labels({ a: "y", c: "2" })],
  [
    "the requirements of one side combine: a In [x,y] and a NotIn [x] vs a=x",
    both(expr("a", "In", "x", "y"), expr("a", "NotIn", "x")),
    labels({ a: "x" }),
  ],
  [
    "a selector that selects nothing is disjoint from anything",
    both(expr("a", "Exists"), expr("a", "DoesNotExist")),
    undefined,
  ],
];

const OVERLAPPING_SELECTORS: Case<LabelSelector>[] = [
  ["no selectors", undefined, undefined],
  ["one side unselective", labels({ a: "x" }), undefined],
  ["empty selector", labels({ a: "x" }), {}],
  ["same label", labels({ a: "x" }), labels({ a: "x" })],
  ["different keys", labels({ a: "x" }), labels({ b: "y" })],
  ["a=x vs a NotIn [y]", labels({ a: "x" }), expr("a", "NotIn", "y")],
  ["a=x vs a Exists", labels({ a: "x" }), expr("a", "Exists")],
  ["a In [x,y] vs a In [y,z]", expr("a", "In", "x", "y"), expr("a", "In", "y", "z")],
  [
    "a NotIn [x] vs a NotIn [y]: both keep other values",
    expr("a", "NotIn", "x"),
    expr("a", "NotIn", "y"),
  ],
  [
    "a NotIn [x] vs a DoesNotExist: both keep objects without a",
    expr("a", "NotIn", "x"),
    expr("a", "DoesNotExist"),
  ],
  ["a Exists vs a NotIn [x]", expr("a", "Exists"), expr("a", "NotIn", "x")],
  ["a DoesNotExist vs b DoesNotExist", expr("a", "DoesNotExist"), expr("b", "DoesNotExist")],
  [
    "an unknown operator proves nothing",
    labels({ a: "x" }),
    { matchExpressions: [{ key: "a", operator: "Is" as "In", values: ["y"] }] },
  ],
  [
    "In without values proves nothing",
    labels({ a: "x" }),
    { matchExpressions: [{ key: "a", operator: "In" }] },
  ],
  [
    "malformed values prove nothing",
    labels({ a: "x" }),
    { matchExpressions: [{ key: "a", operator: "In", values: "y" as unknown as string[] }] },
  ],
];

const DISJOINT_NAMES: Case<NameSelector>[] = [
  ["different literal names", { regex: ["config-a"] }, { regex: ["config-b", "config-c"] }],
  ["a literal name the other pattern does not match", { regex: ["web"] }, { regex: ["config-.*"] }],
  ["a literal name the other excludes", { regex: ["app\\.v1"] }, { excludeRegex: ["app\\..*"] }],
  ["the same pattern included and excluded", { regex: ["prod-.*"] }, { excludeRegex: ["prod-.*"] }],
  [
    "each included pattern excluded",
    { regex: ["a.*", "b.*"] },
    { excludeRegex: ["b.*", "a.*", "c"] },
  ],
];

const OVERLAPPING_NAMES: Case<NameSelector>[] = [
  ["no name filters", undefined, undefined],
  ["one side unselective", { regex: ["config-a"] }, undefined],
  ["an empty regex list keeps every name", { regex: [] }, { regex: ["x"] }],
  ["the same literal name", { regex: ["config-a"] }, { regex: ["config-a"] }],
  ["a literal name the other pattern matches", { regex: ["config-a"] }, { regex: ["config-.*"] }],
  [
    "a pattern matches a name only partly: full matches",
    { regex: ["config"] },
    { regex: ["config|x"] },
  ],
  ["regexes that cannot be compared", { regex: ["a.*"] }, { regex: ["b.*"] }],
  [
    "one exclusion covers only one of the patterns",
    { regex: ["a.*", "b.*"] },
    { excludeRegex: ["a.*"] },
  ],
  ["an unescaped dot is not a literal", { regex: ["app.v1"] }, { regex: ["app-v1"] }],
  ["an invalid exclusion proves nothing", { regex: ["web"] }, { excludeRegex: ["(web"] }],
  ["an invalid pattern proves nothing", { regex: ["web"] }, { regex: ["(web"] }],
];

/** Each case in both directions, as a namespaceSelector and as a selector. */
function labelRows(cases: Case<LabelSelector>[]) {
  return cases.flatMap(([what, a, b]) =>
    (["namespaceSelector", "selector"] as const).flatMap((field) => [
      [`${field}: ${what}`, { [field]: a }, { [field]: b }] as const,
      [`${field}: ${what} (reversed)`, { [field]: b }, { [field]: a }] as const,
    ]),
  );
}
function nameRows(cases: Case<NameSelector>[]) {
  return cases.flatMap(([what, a, b]) => [
    [what, { nameSelector: a }, { nameSelector: b }] as const,
    [`${what} (reversed)`, { nameSelector: b }, { nameSelector: a }] as const,
  ]);
}

describe("filtersMayOverlap", () => {
  it.each(labelRows(DISJOINT_SELECTORS))("disjoint: %s", (_, a, b) => {
    expect(filtersMayOverlap(a, b)).toBe(false);
  });
  it.each(labelRows(OVERLAPPING_SELECTORS))("may overlap: %s", (_, a, b) => {
    expect(filtersMayOverlap(a, b)).toBe(true);
  });
  it.each(nameRows(DISJOINT_NAMES))("disjoint names: %s", (_, a, b) => {
    expect(filtersMayOverlap(a, b)).toBe(false);
  });
  it.each(nameRows(OVERLAPPING_NAMES))("names may overlap: %s", (_, a, b) => {
    expect(filtersMayOverlap(a, b)).toBe(true);
  });

  it("one disjoint filter suffices: all filters must match", () => {
    const a: ResourceFilters = {
      namespaceSelector: labels({ env: "pre" }),
      selector: labels({ a: "x" }),
    };
    const b: ResourceFilters = {
      namespaceSelector: labels({ env: "pre" }),
      selector: expr("a", "NotIn", "x"),
    };
    expect(filtersMayOverlap(a, b)).toBe(false);
    expect(filtersMayOverlap(b, a)).toBe(false);
  });

  it("a namespaceSelector and a selector on the same key are different labels", () => {
    const a: ResourceFilters = { namespaceSelector: labels({ env: "pre" }) };
    const b: ResourceFilters = { selector: labels({ env: "prod" }) };
    expect(filtersMayOverlap(a, b)).toBe(true);
  });
});
