import { describe, expect, it } from "vitest";
import { applyPatch } from "./transform.js";
import type { KubeObject, PatchOperation } from "./types.js";

const deploy = (): KubeObject => ({
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name: "web", namespace: "app", labels: { app: "web" } },
  spec: {
    replicas: 3,
    strategy: { type: "RollingUpdate" },
    template: { spec: { containers: [{ name: "c" }] } },
  },
});

describe("applyPatch", () => {
  it("applies the documented warm-standby transformation", () => {
    const input = deploy();
    const r = applyPatch(input, [
      { op: "replace", path: "/spec/replicas", value: 0 },
      { op: "remove", path: "/spec/strategy" },
    ]);
    expect(r).toEqual({
      ok: true,
      object: {
        ...deploy(),
        spec: { replicas: 0, template: { spec: { containers: [{ name: "c" }] } } },
      },
    });
    expect(input).toEqual(deploy());
  });

  it("applies add, copy, move and test", () => {
    const r = applyPatch(deploy(), [
      { op: "test", path: "/spec/replicas", value: 3 },
      { op: "add", path: "/metadata/annotations", value: { standby: "true" } },
      { op: "copy", from: "/metadata/labels/app", path: "/metadata/labels/copied" },
      { op: "move", from: "/spec/strategy", path: "/spec/oldStrategy" },
      { op: "add", path: "/spec/template/spec/containers/-", value: { name: "sidecar" } },
    ]);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.object.metadata).toEqual({
      name: "web",
      namespace: "app",
      labels: { app: "web", copied: "web" },
      annotations: { standby: "true" },
    });
    expect(r.object.spec).toEqual({
      replicas: 3,
      oldStrategy: { type: "RollingUpdate" },
      template: { spec: { containers: [{ name: "c" }, { name: "sidecar" }] } },
    });
  });

  it("an empty patch returns an equal copy", () => {
    const input = deploy();
    const r = applyPatch(input, []);
    expect(r).toEqual({ ok: true, object: deploy() });
    if (r.ok) expect(r.object).not.toBe(input);
  });

  it("does not mutate the patch and does not share values with it", () => {
    const ops: PatchOperation[] = [{ op: "add", path: "/metadata/annotations", value: { a: "1" } }];
    const frozen = structuredClone(ops);
    const r = applyPatch(deploy(), ops);
    if (!r.ok) throw new Error(r.error);
    r.object.metadata.annotations!.b = "2";
    expect(ops).toEqual(frozen);
  });

  it.each<[string, PatchOperation[], string]>([
    [
      "replace of a missing path",
      [{ op: "replace", path: "/spec/paused", value: true }],
      "patch[0] replace /spec/paused: path does not exist",
    ],
    [
      "second op failing after the first succeeded",
      [
        { op: "remove", path: "/spec/strategy" },
        { op: "remove", path: "/spec/strategy" },
      ],
      "patch[1] remove /spec/strategy: path does not exist",
    ],
    [
      "add under a missing parent",
      [{ op: "add", path: "/spec/a/b", value: 1 }],
      "patch[0] add /spec/a/b: cannot add: parent path does not exist",
    ],
    [
      "failed test",
      [{ op: "test", path: "/spec/replicas", value: 5 }],
      "patch[0] test /spec/replicas: test failed: value differs",
    ],
    [
      "unknown op",
      [{ op: "merge" as "add", path: "/spec", value: {} }],
      "patch[0] merge /spec: op must be one of add, remove, replace, move, copy, test",
    ],
    [
      "path without leading slash",
      [{ op: "replace", path: "spec/replicas", value: 1 }],
      'patch[0] replace spec/replicas: path must be a JSON pointer starting with "/"',
    ],
    [
      "missing value",
      [{ op: "replace", path: "/spec/replicas" }],
      "patch[0] replace /spec/replicas: value is required for add, replace and test",
    ],
    [
      "move from a missing path",
      [{ op: "move", from: "/spec/nope", path: "/spec/x" }],
      "patch[0] move /spec/x: from path does not exist",
    ],
    [
      "copy without from",
      [{ op: "copy", path: "/spec/x" }],
      "patch[0] copy /spec/x: from is required for move and copy",
    ],
    [
      "array index out of bounds",
      [{ op: "add", path: "/spec/template/spec/containers/5", value: {} }],
      "patch[0] add /spec/template/spec/containers/5: array index out of bounds",
    ],
    [
      "renaming",
      [{ op: "replace", path: "/metadata/name", value: "other" }],
      'patch: must not change metadata.name ("web" -> "other")',
    ],
    [
      "moving namespace",
      [{ op: "replace", path: "/metadata/namespace", value: "x" }],
      'patch: must not change metadata.namespace ("app" -> "x")',
    ],
    [
      "removing namespace",
      [{ op: "remove", path: "/metadata/namespace" }],
      'patch: must not change metadata.namespace ("app" -> undefined)',
    ],
    [
      "changing kind",
      [{ op: "replace", path: "/kind", value: "StatefulSet" }],
      'patch: must not change kind ("Deployment" -> "StatefulSet")',
    ],
    [
      "changing apiVersion",
      [{ op: "replace", path: "/apiVersion", value: "apps/v2" }],
      'patch: must not change apiVersion ("apps/v1" -> "apps/v2")',
    ],
    [
      "removing metadata",
      [{ op: "remove", path: "/metadata" }],
      'patch: must not change metadata.name ("web" -> undefined)',
    ],
    [
      "replacing the root",
      [{ op: "replace", path: "", value: 42 }],
      'patch: must not change apiVersion ("apps/v1" -> undefined)',
    ],
  ])("reports %s", (_name, ops, error) => {
    const input = deploy();
    expect(applyPatch(input, ops)).toEqual({ ok: false, error });
    expect(input).toEqual(deploy());
  });

  it("rejects prototype pollution", () => {
    const r = applyPatch(deploy(), [{ op: "add", path: "/__proto__/polluted", value: "x" }]);
    expect(r).toEqual({
      ok: false,
      error:
        "patch[0] add /__proto__/polluted: modifying __proto__ or constructor/prototype is not allowed",
    });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it("rejects an operation that is not an object", () => {
    expect(applyPatch(deploy(), [null as unknown as PatchOperation])).toEqual({
      ok: false,
      error: "patch[0] ? ?: operation is not an object",
    });
  });

  it("rejects a non-array patch", () => {
    expect(applyPatch(deploy(), {} as unknown as PatchOperation[])).toEqual({
      ok: false,
      error: "patch: patch must be a list of operations",
    });
  });

  it("allows replacing the root when the identity is preserved", () => {
    const r = applyPatch(deploy(), [
      { op: "replace", path: "", value: { ...deploy(), spec: { replicas: 1 } } },
    ]);
    expect(r).toEqual({ ok: true, object: { ...deploy(), spec: { replicas: 1 } } });
  });
});
