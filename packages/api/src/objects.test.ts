import { describe, expect, it } from "vitest";
import {
  canonicalJson,
  groupResource,
  groupVersion,
  gvrKey,
  namespacedNameOf,
  objectKey,
} from "./objects.js";

describe("keys", () => {
  it("names a resource with and without the core group", () => {
    expect(groupVersion({ group: "apps", version: "v1" })).toBe("apps/v1");
    expect(groupVersion({ version: "v1" })).toBe("v1");
    expect(gvrKey({ group: "", version: "v1", resource: "configmaps" })).toBe("v1/configmaps");
    expect(groupResource({ group: "apps", resource: "deployments" })).toBe("apps/deployments");
  });
  it("keys objects as a cluster serves them, and manifests with kubectl's default namespace", () => {
    expect(namespacedNameOf({ metadata: { name: "n" } })).toBe("/n");
    expect(objectKey({ metadata: { name: "n" } })).toBe("default/n");
    expect(namespacedNameOf({ metadata: { name: "n", namespace: "a" } })).toBe("a/n");
  });
});

describe("canonicalJson", () => {
  it("sorts keys recursively and keeps array order", () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: null } })).toBe(
      '{"a":{"c":null,"d":[3,{"y":2,"z":1}]},"b":1}',
    );
  });
  it("sorts integer-like keys as strings too", () => {
    expect(canonicalJson({ "10": 1, "2": 2, a: 3 })).toBe('{"10":1,"2":2,"a":3}');
  });
  it("follows JSON for undefined, functions and toJSON", () => {
    expect(canonicalJson({ a: undefined, b: () => 1, c: [undefined] })).toBe('{"c":[null]}');
    expect(canonicalJson(new Date(0))).toBe('"1970-01-01T00:00:00.000Z"');
    expect(canonicalJson(undefined)).toBe("null");
    expect(canonicalJson('x"y')).toBe('"x\\"y"');
  });
  it("equals JSON.stringify of the same data with keys already sorted", () => {
    const v = { a: [1, "two", true, null, { b: 1.5 }], c: "é\u2028" };
    expect(canonicalJson(v)).toBe(JSON.stringify(v));
  });
});
