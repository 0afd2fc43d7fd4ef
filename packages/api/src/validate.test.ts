import { describe, expect, it } from "vitest";
import { gvrKey } from "./objects.js";
import type { LiveSynchronization } from "./types.js";
import { formatError, validateObject } from "./validate.js";
import { errorsOf, liveSync, R0, resources, withFirst } from "./test-fixtures.js";

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
