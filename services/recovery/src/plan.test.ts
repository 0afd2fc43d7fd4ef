import { describe, expect, it } from "vitest";
import { ANNOTATIONS, MANAGED_LABEL, contentHash, type KubeObject } from "@livesync/core";
import { diffObjects, guardedPatch, phaseOf, restoredObject } from "./plan.js";

describe("guardedPatch", () => {
  it("prefixes a test of the resourceVersion and copies the operations", () => {
    const ops = [{ op: "replace" as const, path: "/spec/replicas", value: 1 }];
    const g = guardedPatch("42", ops);
    expect(g).toEqual([
      { op: "test", path: "/metadata/resourceVersion", value: "42" },
      { op: "replace", path: "/spec/replicas", value: 1 },
    ]);
    g[1]!.value = 7;
    expect(ops[0]!.value).toBe(1);
  });
  it("refuses an object without resourceVersion", () => {
    expect(() => guardedPatch(undefined, [])).toThrow(/resourceVersion/);
  });
});

describe("restoredObject", () => {
  const copy: KubeObject = {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: {
      name: "web",
      namespace: "shop",
      uid: "dest-uid",
      resourceVersion: "99",
      labels: { app: "web", [MANAGED_LABEL]: "true" },
      annotations: {
        [ANNOTATIONS.liveSync]: "dr/ls",
        [ANNOTATIONS.sourceCluster]: "source",
        [ANNOTATIONS.sourceUid]: "src-uid",
        [ANNOTATIONS.sourceResourceVersion]: "10",
        [ANNOTATIONS.contentHash]: "old",
      },
    },
    spec: { replicas: 0, strategy: { type: "RollingUpdate" } },
  };
  const original: KubeObject = {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: {
      name: "web",
      namespace: "shop",
      labels: { app: "web" },
      uid: "src-uid",
      resourceVersion: "12",
    },
    spec: { replicas: 3, strategy: { type: "Recreate" } },
    status: { replicas: 3 },
  };

  it("is the original with livesync's marks (archive's version), without server metadata", () => {
    const r = restoredObject(original, copy, "dr/ls", {
      sourceCluster: "source",
      sourceUid: "src-uid",
      sourceResourceVersion: "12",
    });
    expect(r.spec).toEqual({ replicas: 3, strategy: { type: "Recreate" } });
    expect(r.status).toBeUndefined();
    expect(r.metadata.uid).toBeUndefined();
    expect(r.metadata.resourceVersion).toBeUndefined();
    expect(r.metadata.labels).toEqual({ app: "web", [MANAGED_LABEL]: "true" });
    expect(r.metadata.annotations).toMatchObject({
      [ANNOTATIONS.liveSync]: "dr/ls",
      [ANNOTATIONS.sourceCluster]: "source",
      [ANNOTATIONS.sourceUid]: "src-uid",
      [ANNOTATIONS.sourceResourceVersion]: "12",
    });
    expect(r.metadata.annotations![ANNOTATIONS.contentHash]).toBe(contentHash(r));
  });

  it("falls back to the copy's marks when the archive has none", () => {
    const r = restoredObject(original, copy, "dr/ls");
    expect(r.metadata.annotations).toMatchObject({
      [ANNOTATIONS.sourceCluster]: "source",
      [ANNOTATIONS.sourceUid]: "src-uid",
      [ANNOTATIONS.sourceResourceVersion]: "10",
    });
  });
});

describe("diffObjects", () => {
  it("lists added, removed and replaced paths, ignoring server fields and status", () => {
    const before = {
      metadata: { name: "a", resourceVersion: "1", managedFields: [1], labels: { "x/y": "1" } },
      spec: { replicas: 0, strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: 1 } } },
      status: { ready: 0 },
    };
    const after = {
      metadata: { name: "a", resourceVersion: "2", managedFields: [2], labels: { "x/y": "2" } },
      spec: { replicas: 3, strategy: { type: "Recreate" }, paused: false },
      status: { ready: 3 },
    };
    expect(diffObjects(before, after)).toEqual([
      { op: "replace", path: "/metadata/labels/x~1y", value: "2", old: "1" },
      { op: "add", path: "/spec/paused", value: false },
      { op: "replace", path: "/spec/replicas", value: 3, old: 0 },
      { op: "remove", path: "/spec/strategy/rollingUpdate", old: { maxSurge: 1 } },
      { op: "replace", path: "/spec/strategy/type", value: "Recreate", old: "RollingUpdate" },
    ]);
    expect(diffObjects(before, structuredClone(before))).toEqual([]);
  });
});

describe("phaseOf", () => {
  const f = [{ name: "a", group: "", version: "v1", resource: "configmaps", reason: "x" }];
  it("Succeeded, Failed, PartiallySucceeded", () => {
    expect(phaseOf(0, [])).toBe("Succeeded");
    expect(phaseOf(3, [])).toBe("Succeeded");
    expect(phaseOf(0, f)).toBe("Failed");
    expect(phaseOf(2, f)).toBe("PartiallySucceeded");
  });
});
