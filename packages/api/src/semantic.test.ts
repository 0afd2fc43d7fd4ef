import { describe, expect, it } from "vitest";
import type { LiveSynchronization } from "./types.js";
import { formatError, parseDuration, resyncPeriodMs } from "./validate.js";
import { type Doc, errorsOf, liveSync, R0, resources, withFirst } from "./test-fixtures.js";

describe("validateObject: patches", () => {
  it("path must be a JSON Pointer", () => {
    const d = withFirst({
      transformation: {
        patch: [
          { op: "replace", path: "spec/replicas", value: 0 },
          { op: "remove", path: "/metadata/annotations/a~b" },
          { op: "remove", path: "/metadata/annotations/a~1b~0c" },
          { op: "replace", path: "", value: {} },
        ],
      },
    });
    expect(errorsOf(d)).toEqual([
      {
        path: `${R0}.transformation.patch[0].path`,
        message: '"spec/replicas" is not a valid JSON Pointer: it must be "" or start with "/"',
      },
      {
        path: `${R0}.transformation.patch[1].path`,
        message:
          '"/metadata/annotations/a~b" is not a valid JSON Pointer: write "~" as "~0" and "/" inside a key as "~1"',
      },
    ]);
  });

  it("value required for add/replace/test, from for move/copy", () => {
    const d = withFirst({
      transformation: { patch: undefined },
      recoveryProcess: {
        fromPatch: [
          { op: "replace", path: "/spec/replicas" },
          { op: "test", path: "/spec/paused" },
          { op: "move", path: "/spec/a" },
          { op: "copy", path: "/spec/a", from: "spec/b" },
          { op: "remove", path: "/spec/strategy" },
        ],
      },
    });
    delete resources(d)[0]!.transformation;
    const p = `${R0}.recoveryProcess.fromPatch`;
    expect(errorsOf(d)).toEqual([
      { path: `${p}[0].value`, message: 'required field is missing for op "replace"' },
      { path: `${p}[1].value`, message: 'required field is missing for op "test"' },
      { path: `${p}[2].from`, message: 'required field is missing for op "move"' },
      {
        path: `${p}[3].from`,
        message: '"spec/b" is not a valid JSON Pointer: it must be "" or start with "/"',
      },
    ]);
  });

  it("Task patch operations are checked the same way", () => {
    const task = {
      apiVersion: "automation.livesync.dev/v1alpha1",
      kind: "Task",
      metadata: { name: "t" },
      spec: {
        plugin: "kubernetes-objects-transformation",
        config: {
          resources: [
            {
              identifier: { group: "apps", version: "v1", resources: "deployments" },
              patch: { operations: [{ op: "add", path: "labels/test" }] },
            },
          ],
        },
      },
    };
    expect(errorsOf(task).map(formatError)).toEqual([
      'spec.config.resources[0].patch.operations[0].path: "labels/test" is not a valid JSON Pointer: it must be "" or start with "/"',
      'spec.config.resources[0].patch.operations[0].value: required field is missing for op "add"',
    ]);
  });
});

describe("validateObject: label selectors", () => {
  it("operator values: In/NotIn need some, Exists/DoesNotExist none; bad operator", () => {
    const d = withFirst({
      filters: {
        namespaceSelector: {
          matchExpressions: [
            { key: "env", operator: "In", values: [] },
            { key: "env", operator: "NotIn" },
            { key: "env", operator: "Exists", values: ["pre"] },
            { key: "env", operator: "Equals", values: ["pre"] },
            { key: "env", operator: "DoesNotExist" },
          ],
        },
      },
    });
    const p = `${R0}.filters.namespaceSelector.matchExpressions`;
    expect(errorsOf(d)).toEqual([
      {
        path: `${p}[3].operator`,
        message:
          'unsupported value "Equals"; supported values: "In", "NotIn", "Exists", "DoesNotExist"',
      },
      { path: `${p}[0].values`, message: 'must be non-empty for operator "In"' },
      { path: `${p}[1].values`, message: 'must be non-empty for operator "NotIn"' },
      { path: `${p}[2].values`, message: 'must be empty for operator "Exists"' },
    ]);
  });

  it("label keys and values follow Kubernetes syntax; matchLabels values are strings", () => {
    const d = withFirst({
      filters: {
        selector: {
          matchLabels: {
            "app.kubernetes.io/name": "web",
            "bad key": "x",
            tier: "front end",
            on: true,
          },
        },
      },
    });
    const p = `${R0}.filters.selector.matchLabels`;
    expect(errorsOf(d).map(formatError)).toEqual([
      `${p}[on]: must be of type string, got boolean`,
      `${p}[bad key]: "bad key" is not a valid label key: an optional DNS subdomain and "/", then up to 63 letters, digits, "-", "_" or ".", starting and ending with a letter or digit`,
      `${p}[tier]: "front end" is not a valid label value: up to 63 letters, digits, "-", "_" or ".", starting and ending with a letter or digit`,
    ]);
  });
});

describe("validateObject: resync periods", () => {
  const withResync = (config?: string, replication?: string) => {
    const d = liveSync();
    if (config !== undefined) d.spec.config.resyncPeriod = config;
    if (replication !== undefined) d.spec.config.replication.resyncPeriod = replication;
    return d;
  };

  it("format, emptiness and zero", () => {
    expect(errorsOf(withResync("1 hour", "0h0m0s")).map(formatError)).toEqual([
      'spec.config.resyncPeriod: "1 hour" is not a valid duration: use the %Hh%Mm%Ss format, e.g. "1h0m0s"',
      'spec.config.replication.resyncPeriod: "0h0m0s" must be greater than zero',
    ]);
    expect(errorsOf(withResync("")).map(formatError)).toEqual([
      'spec.config.resyncPeriod: "" is not a valid duration: use the %Hh%Mm%Ss format, e.g. "1h0m0s"',
    ]);
  });

  it("both locations set with different durations", () => {
    expect(errorsOf(withResync("1h", "2h"))).toEqual([
      {
        path: "spec.config.replication.resyncPeriod",
        message: '"2h" conflicts with spec.config.resyncPeriod "1h"; set only one',
      },
    ]);
    expect(errorsOf(withResync("1h0m0s", "60m"))).toEqual([]);
  });

  it("resyncPeriodMs reads either location and defaults to one hour", () => {
    const spec = (d: Doc) => d.spec as unknown as LiveSynchronization["spec"];
    expect(resyncPeriodMs(spec(withResync()))).toBe(3_600_000);
    expect(resyncPeriodMs(spec(withResync("90s")))).toBe(90_000);
    expect(resyncPeriodMs(spec(withResync(undefined, "2m")))).toBe(120_000);
  });

  it("parseDuration", () => {
    expect(parseDuration("1h0m0s")).toBe(3_600_000);
    expect(parseDuration("3h25m12s")).toBe(12_312_000);
    expect(parseDuration("45m")).toBe(2_700_000);
    expect(parseDuration("0s")).toBe(0);
    expect(parseDuration("")).toBeUndefined();
    expect(parseDuration("1.5h")).toBeUndefined();
    expect(parseDuration("10s5m")).toBeUndefined();
    expect(parseDuration("1d")).toBeUndefined();
  });
});

describe("validateObject: overlapping transformations", () => {
  const entry = (env: string | undefined, patched = true) => ({
    group: "apps",
    version: "v1",
    resource: "deployments",
    ...(patched
      ? { transformation: { patch: [{ op: "replace", path: "/spec/replicas", value: 0 }] } }
      : {}),
    ...(env ? { filters: { namespaceSelector: { matchLabels: { env } } } } : {}),
  });
  const withEntries = (...entries: Record<string, unknown>[]) => {
    const d = liveSync();
    d.spec.config.replication = { resources: entries };
    return d;
  };
  const overlap = (i: number, j: number, gr: string) => ({
    path: `spec.config.replication.resources[${i}]`,
    message: `transforms ${gr} like resources[${j}] and their filters may overlap; at most one transformation per resource (give them disjoint filters, e.g. different values for the same namespaceSelector label)`,
  });

  it("rejects a second transformation of objects that may be the same", () => {
    expect(errorsOf(withEntries(entry("pre"), entry(undefined)))).toEqual([
      overlap(1, 0, "apps/deployments"),
    ]);
    expect(errorsOf(withEntries(entry("pre"), entry("pre-second"), entry("pre")))).toEqual([
      overlap(2, 0, "apps/deployments"),
    ]);
  });

  it("the versions do not make resources different; core resources are named bare", () => {
    const core = (version: string) => ({
      version,
      resource: "services",
      transformation: { patch: [{ op: "remove", path: "/spec/clusterIP" }] },
    });
    expect(errorsOf(withEntries(core("v1"), core("v2")))).toEqual([overlap(1, 0, "services")]);
  });

  it("accepts disjoint filters, a single transformation, or different resources", () => {
    expect(errorsOf(withEntries(entry("pre"), entry("pre-second")))).toEqual([]);
    expect(errorsOf(withEntries(entry("pre"), entry("pre", false)))).toEqual([]);
    expect(
      errorsOf(withEntries(entry("pre"), { ...entry("pre"), resource: "statefulsets" })),
    ).toEqual([]);
  });

  it("understands label selector expressions (issue 15: bad=yes vs bad DoesNotExist)", () => {
    const selecting = (selector: Record<string, unknown>) => ({
      ...entry(undefined),
      filters: { selector },
    });
    const bad = selecting({ matchLabels: { bad: "yes" } });
    const good = selecting({ matchExpressions: [{ key: "bad", operator: "DoesNotExist" }] });
    const notYes = selecting({
      matchExpressions: [{ key: "bad", operator: "NotIn", values: ["no"] }],
    });
    expect(errorsOf(withEntries(bad, good))).toEqual([]);
    expect(errorsOf(withEntries(good, bad))).toEqual([]);
    expect(errorsOf(withEntries(bad, notYes))).toEqual([overlap(1, 0, "apps/deployments")]);
  });
});
