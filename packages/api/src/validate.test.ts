import { describe, expect, it } from "vitest";
import { gvrKey } from "./objects.js";
import type { LiveSynchronization } from "./types.js";
import {
  formatError,
  parseDuration,
  resyncPeriodMs,
  validateObject,
  type ValidationError,
} from "./validate.js";

const R0 = "spec.config.replication.resources[0]";

type Loose = Record<string, unknown>;
/** Loosely typed on purpose: tests write invalid values into it. */
interface Doc {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string };
  spec: Loose & { config: Loose & { replication: Loose & { resources: Loose[] } } };
}

/** A fresh, valid LiveSynchronization to break in one place per test. */
function liveSync(): Doc {
  return {
    apiVersion: "automation.livesync.dev/v1alpha1",
    kind: "LiveSynchronization",
    metadata: { name: "apps", namespace: "dr" },
    spec: {
      plugin: "kubernetes-objects-to-kubernetes",
      config: {
        sourceName: "source",
        destinationName: "destination",
        replication: {
          resources: [
            {
              group: "apps",
              version: "v1",
              resource: "deployments",
              transformation: { patch: [{ op: "replace", path: "/spec/replicas", value: 0 }] },
              filters: {},
            },
          ],
        },
      },
    },
  };
}
const resources = (d: Doc) => d.spec.config.replication.resources;

function errorsOf(doc: unknown): ValidationError[] {
  const r = validateObject(doc);
  return r.ok ? [] : r.errors;
}

function withFirst(patch: Record<string, unknown>): Doc {
  const d = liveSync();
  Object.assign(resources(d)[0]!, patch);
  return d;
}

describe("validateObject: valid objects", () => {
  it("accepts the base object and returns it with defaults, leaving the input untouched", () => {
    const doc = liveSync();
    const before = structuredClone(doc);
    const r = validateObject(doc);
    expect(r.ok).toBe(true);
    const value = (r as { value: LiveSynchronization }).value;
    expect(value.spec.suspend).toBe(false);
    expect(value.metadata).toEqual({ name: "apps", namespace: "dr" });
    expect(doc).toEqual(before);
  });

  it('fills group "" for core resources and keeps explicit values', () => {
    const d = withFirst({ group: undefined, resource: "configmaps", transformation: undefined });
    delete resources(d)[0]!.group;
    delete resources(d)[0]!.transformation;
    const r = validateObject(d);
    expect(r.ok && (r.value as LiveSynchronization).spec.config.replication.resources[0]).toEqual({
      group: "",
      version: "v1",
      resource: "configmaps",
      filters: {},
    });
  });

  it("treats null like an absent field, as the apiserver prunes it", () => {
    const d = liveSync();
    d.spec.suspend = null;
    d.spec.config.observability = null;
    const r = validateObject(d);
    expect(r.ok && (r.value as LiveSynchronization).spec.suspend).toBe(false);
    expect(r.ok && "observability" in (r.value as LiveSynchronization).spec.config).toBe(false);
  });

  it("accepts an explicit null patch value", () => {
    expect(
      errorsOf(withFirst({ transformation: { patch: [{ op: "add", path: "/a", value: null }] } })),
    ).toEqual([]);
  });
});

describe("validateObject: schema errors", () => {
  it("unknown field, with a suggestion for near misses", () => {
    const d = withFirst({ filter: {} });
    d.spec.extra = true;
    expect(errorsOf(d)).toEqual([
      { path: `${R0}.filter`, message: 'unknown field "filter"; did you mean "filters"?' },
      { path: "spec.extra", message: 'unknown field "extra"' },
    ]);
  });

  it("unknown top-level field", () => {
    expect(errorsOf({ ...liveSync(), data: {} })).toEqual([
      { path: "data", message: 'unknown field "data"' },
    ]);
  });

  it("missing required fields, all of them", () => {
    const d = liveSync();
    delete d.spec.config.sourceName;
    delete d.spec.config.destinationName;
    delete resources(d)[0]!.version;
    expect(errorsOf(d)).toEqual([
      { path: `${R0}.version`, message: "required field is missing" },
      { path: "spec.config.sourceName", message: "required field is missing" },
      { path: "spec.config.destinationName", message: "required field is missing" },
    ]);
  });

  it("missing spec and metadata.name", () => {
    expect(
      errorsOf({ apiVersion: "assets.livesync.dev/v1alpha1", kind: "Bucket", metadata: {} }),
    ).toEqual([
      { path: "metadata.name", message: "required field is missing" },
      { path: "spec", message: "required field is missing" },
    ]);
  });

  it("empty resources list", () => {
    const d = liveSync();
    d.spec.config.replication = { resources: [] };
    expect(errorsOf(d)).toEqual([
      { path: "spec.config.replication.resources", message: "must have at least 1 item" },
    ]);
  });

  it("bad enum values", () => {
    const d = withFirst({ transformation: { patch: [{ op: "delete", path: "/spec" }] } });
    d.spec.plugin = "kubernetes";
    expect(errorsOf(d)).toEqual([
      {
        path: "spec.plugin",
        message:
          'unsupported value "kubernetes"; supported values: "kubernetes-objects-to-kubernetes"',
      },
      {
        path: `${R0}.transformation.patch[0].op`,
        message:
          'unsupported value "delete"; supported values: "add", "remove", "replace", "move", "copy", "test"',
      },
    ]);
  });

  it("wrong types", () => {
    const d = withFirst({ filters: { nameSelector: { regex: "config.*" } } });
    d.spec.suspend = "yes"; // added last, so reported last: errors follow document order
    expect(errorsOf(d)).toEqual([
      { path: `${R0}.filters.nameSelector.regex`, message: "must be of type array, got string" },
      { path: "spec.suspend", message: "must be of type boolean, got string" },
    ]);
  });

  it("resource must be a lowercase plural, version non-empty, names DNS-1123", () => {
    const d = withFirst({ resource: "Deployments", version: "" });
    d.spec.config.sourceName = "Source_Cluster";
    d.metadata.name = "My.App_";
    expect(errorsOf(d).map(formatError)).toEqual([
      'metadata.name: "My.App_" is not a valid object name: at most 253 lowercase letters, digits, "-" and ".", starting and ending with a letter or digit',
      'spec.config.sourceName: "Source_Cluster" is not a valid object name: use lowercase letters, digits, "-" and ".", starting and ending with a letter or digit',
      `${R0}.version: "" is not a valid API version: use e.g. "v1"`,
      `${R0}.resource: "Deployments" is not a valid resource: use the lowercase plural resource name, e.g. "deployments"`,
    ]);
  });

  it("status is checked too when present", () => {
    const run = {
      apiVersion: "automation.livesync.dev/v1alpha1",
      kind: "TaskRun",
      metadata: { name: "restore" },
      spec: { taskName: "t" },
      status: { phase: "Done", startTime: "yesterday" },
    };
    expect(errorsOf(run).map(formatError)).toEqual([
      'status.phase: unsupported value "Done"; supported values: "Pending", "Running", "Succeeded", "Failed", "PartiallySucceeded"',
      'status.startTime: "yesterday" is not an RFC 3339 date-time, e.g. "2024-01-31T12:00:00Z"',
    ]);
  });
});

describe("validateObject: apiVersion and kind", () => {
  it("unknown kind in our group", () => {
    expect(errorsOf({ ...liveSync(), kind: "Plan" })).toEqual([
      {
        path: "kind",
        message:
          'unsupported kind "Plan"; supported kinds: "LiveSynchronization", "Task", "TaskRun"',
      },
    ]);
  });

  it("known kind in the wrong group, and the upstream group", () => {
    expect(errorsOf({ ...liveSync(), apiVersion: "assets.livesync.dev/v1alpha1" })).toEqual([
      {
        path: "apiVersion",
        message:
          'unsupported apiVersion "assets.livesync.dev/v1alpha1" for kind LiveSynchronization; use "automation.livesync.dev/v1alpha1"',
      },
    ]);
    const cluster = {
      apiVersion: "assets.astronetes.io/v1alpha1",
      kind: "KubernetesCluster",
      metadata: { name: "source" },
      spec: { secretName: "source" },
    };
    expect(errorsOf(cluster).map(formatError)).toEqual([
      'apiVersion: "assets.astronetes.io/v1alpha1" is the upstream product\'s group; use "assets.livesync.dev/v1alpha1"',
    ]);
  });

  it("not an object at all", () => {
    expect(errorsOf("hello").map(formatError)).toEqual([
      "not a Kubernetes object: expected a mapping with apiVersion, kind, metadata and spec",
    ]);
  });
});

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

describe("validateObject: other kinds", () => {
  it("Bucket endpoint must not carry a scheme; defaults apply", () => {
    const bucket = {
      apiVersion: "assets.livesync.dev/v1alpha1",
      kind: "Bucket",
      metadata: { name: "b" },
      spec: { generic: { endpoint: "https://minio:9000", name: "dr" }, secretName: "creds" },
    };
    expect(errorsOf(bucket).map(formatError)).toEqual([
      'spec.generic.endpoint: "https://minio:9000" must be host[:port] without a scheme; useSSL chooses https or http',
    ]);
    bucket.spec.generic.endpoint = "minio:9000";
    const r = validateObject(bucket);
    expect(r.ok && r.value.spec).toEqual({
      generic: { endpoint: "minio:9000", name: "dr", useSSL: true, region: "us-east-1" },
      secretName: "creds",
    });
  });
});

describe("helpers", () => {
  it("gvrKey", () => {
    expect(gvrKey({ group: "apps", version: "v1", resource: "deployments" })).toBe(
      "apps/v1/deployments",
    );
    expect(gvrKey({ group: "", version: "v1", resource: "configmaps" })).toBe("v1/configmaps");
    expect(gvrKey({ version: "v1", resource: "configmaps" })).toBe("v1/configmaps");
  });

  it("formatError", () => {
    expect(formatError({ path: "spec.plugin", message: "required field is missing" })).toBe(
      "spec.plugin: required field is missing",
    );
  });
});
