import { describe, expect, it } from "vitest";
import { createHash } from "node:crypto";
import { canonicalJson } from "@livesync/api";
import { ARCHIVE_ANNOTATIONS } from "../marks.js";
import type { KubeObject } from "../types.js";
import {
  decodeArchiveEntry,
  encodeObjectEntry,
  encodeTombstone,
  originalOf,
  parseArchiveMetadata,
} from "./format.js";

const original = (): KubeObject => ({
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: { name: "settings", namespace: "shop", annotations: { team: "web" } },
  data: { b: "2", a: "1" },
});
const marks = {
  liveSync: "livesync-system/prod",
  sourceCluster: "source",
  sourceUid: "uid-1",
  sourceResourceVersion: "42",
  archivedAt: "2026-01-01T00:00:00.000Z",
};

describe("archived objects", () => {
  it("carry the control annotations and S3 metadata; minus them they are the original", () => {
    const { body, metadata } = encodeObjectEntry(original(), marks);
    expect(metadata).toEqual({
      "source-resource-version": "42",
      "source-uid": "uid-1",
      deleted: "false",
    });
    expect(body).toContain('\n  "metadata": {'); // pretty: humans read buckets too
    const stored = JSON.parse(body) as KubeObject;
    const sha = createHash("sha256").update(canonicalJson(original())).digest("hex");
    expect(stored.metadata.annotations).toEqual({
      team: "web",
      "livesync.dev/source-cluster": "source",
      "livesync.dev/source-uid": "uid-1",
      "livesync.dev/source-resource-version": "42",
      "livesync.dev/live-synchronization": "livesync-system/prod",
      "livesync.dev/archived-at": "2026-01-01T00:00:00.000Z",
      "livesync.dev/sha256": sha,
    });
    expect(canonicalJson(originalOf(stored))).toBe(canonicalJson(original()));
    const entry = decodeArchiveEntry(body);
    expect(entry).toMatchObject({ kind: "object", verified: true, marks });
  });

  it("an object without annotations gets them and loses them again", () => {
    const o = original();
    delete o.metadata.annotations;
    const stored = JSON.parse(encodeObjectEntry(o, marks).body) as KubeObject;
    expect(originalOf(stored)).toEqual(o);
  });

  it("a tampered object does not verify", () => {
    const stored = JSON.parse(encodeObjectEntry(original(), marks).body) as KubeObject;
    (stored.data as Record<string, string>).a = "tampered";
    expect(decodeArchiveEntry(JSON.stringify(stored))).toMatchObject({ verified: false });
    delete stored.metadata.annotations![ARCHIVE_ANNOTATIONS.sha256];
    expect(decodeArchiveEntry(JSON.stringify(stored))).toMatchObject({ verified: false });
  });
});

describe("tombstones", () => {
  it("say what was deleted, when, and by which event", () => {
    const t = encodeTombstone({
      sourceUid: "uid-1",
      sourceResourceVersion: "50",
      deletedAt: "2026-01-01T00:00:00.000Z",
      event: "DELETED",
    });
    expect(JSON.parse(t.body)).toEqual({
      deleted: true,
      sourceUid: "uid-1",
      sourceResourceVersion: "50",
      deletedAt: "2026-01-01T00:00:00.000Z",
      event: "DELETED",
    });
    expect(parseArchiveMetadata(t.metadata)).toEqual({
      deleted: true,
      sourceUid: "uid-1",
      sourceResourceVersion: "50",
    });
    expect(decodeArchiveEntry(t.body).kind).toBe("tombstone");
  });
});

describe("parseArchiveMetadata", () => {
  it("reads S3 user metadata, whatever the case of its keys", () => {
    expect(
      parseArchiveMetadata({ "Source-Resource-Version": "7", "source-uid": "u", deleted: "false" }),
    ).toEqual({
      sourceResourceVersion: "7",
      sourceUid: "u",
      deleted: false,
    });
    expect(
      parseArchiveMetadata({
        "source-resource-version": "9",
        deleted: "true",
        "deleted-by": "PRUNE",
      }),
    ).toEqual({ sourceResourceVersion: "9", deleted: true, pruned: true });
  });

  it("an object stored by someone else has no versions", () => {
    expect(parseArchiveMetadata(undefined)).toEqual({ deleted: false });
    expect(parseArchiveMetadata({ other: "x" })).toEqual({ deleted: false });
  });

  it("garbage bodies are rejected", () => {
    expect(() => decodeArchiveEntry("[]")).toThrow(/not a JSON object/);
    expect(() => decodeArchiveEntry('{"a":1}')).toThrow(/neither/);
  });
});
