import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { canonicalJson } from "@livesync/api";
import { ANNOTATIONS, MANAGED_LABEL } from "./marks.js";
import { contentHash, isOwnedBy, markCopy, readCopyRecord } from "./ownership.js";
import type { KubeObject } from "./types.js";

const marks = {
  liveSync: "dr/main",
  sourceCluster: "source",
  sourceUid: "uid-1",
  sourceResourceVersion: "42",
};
const obj = (): KubeObject => ({
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: { name: "c", namespace: "app", labels: { app: "web" } },
  data: { b: "2", a: "1" },
});

describe("markCopy / contentHash", () => {
  it("adds every annotation and the managed label without touching the input", () => {
    const input = obj();
    const out = markCopy(input, marks);
    expect(input).toEqual(obj());
    expect(out.metadata.labels).toEqual({ app: "web", [MANAGED_LABEL]: "true" });
    expect(out.metadata.annotations).toEqual({
      [ANNOTATIONS.liveSync]: "dr/main",
      [ANNOTATIONS.sourceCluster]: "source",
      [ANNOTATIONS.sourceUid]: "uid-1",
      [ANNOTATIONS.sourceResourceVersion]: "42",
      [ANNOTATIONS.contentHash]: contentHash(input),
    });
    expect(out.data).toEqual(input.data);
  });

  it("hashes the canonical JSON of the unmarked object (sha256 hex)", () => {
    const want = createHash("sha256").update(canonicalJson(obj())).digest("hex");
    expect(contentHash(obj())).toBe(want);
    expect(want).toMatch(/^[0-9a-f]{64}$/);
  });

  it("is stable under key order", () => {
    const reordered: KubeObject = {
      data: { a: "1", b: "2" },
      metadata: { labels: { app: "web" }, namespace: "app", name: "c" },
      kind: "ConfigMap",
      apiVersion: "v1",
    };
    expect(contentHash(reordered)).toBe(contentHash(obj()));
    expect(markCopy(reordered, marks).metadata.annotations?.[ANNOTATIONS.contentHash]).toBe(
      markCopy(obj(), marks).metadata.annotations?.[ANNOTATIONS.contentHash],
    );
  });

  it("does not depend on the marks or on earlier marking", () => {
    const once = markCopy(obj(), marks);
    const twice = markCopy(once, { ...marks, sourceResourceVersion: "43" });
    expect(contentHash(once)).toBe(contentHash(obj()));
    expect(twice.metadata.annotations?.[ANNOTATIONS.contentHash]).toBe(contentHash(obj()));
    expect(twice.metadata.annotations?.[ANNOTATIONS.sourceResourceVersion]).toBe("43");
  });

  it("changes with the content", () => {
    const changed = obj();
    (changed.data as Record<string, string>).a = "x";
    expect(contentHash(changed)).not.toBe(contentHash(obj()));
    const relabelled = obj();
    relabelled.metadata.labels = { app: "other" };
    expect(contentHash(relabelled)).not.toBe(contentHash(obj()));
  });

  it("ignores stale control keys already on the object", () => {
    const dirty = obj();
    dirty.metadata.annotations = { [ANNOTATIONS.sourceUid]: "old", "livesync.dev/other": "x" };
    const out = markCopy(dirty, marks);
    expect(out.metadata.annotations?.["livesync.dev/other"]).toBeUndefined();
    expect(contentHash(dirty)).toBe(contentHash(obj()));
  });
});

describe("readCopyRecord / isOwnedBy", () => {
  it("reads back what markCopy wrote", () => {
    const out = markCopy(obj(), marks);
    expect(readCopyRecord(out)).toEqual({ ...marks, contentHash: contentHash(obj()) });
    expect(isOwnedBy(out, "dr/main")).toBe(true);
    expect(isOwnedBy(out, "dr/other")).toBe(false);
  });

  it("handles missing objects and unmarked objects", () => {
    expect(readCopyRecord(undefined)).toBeUndefined();
    expect(readCopyRecord(obj())).toEqual({});
    expect(isOwnedBy(undefined, "dr/main")).toBe(false);
    expect(isOwnedBy(obj(), "dr/main")).toBe(false);
  });

  it("the managed label alone does not confer ownership", () => {
    const o = obj();
    o.metadata.labels = { [MANAGED_LABEL]: "true" };
    expect(isOwnedBy(o, "dr/main")).toBe(false);
  });
});
