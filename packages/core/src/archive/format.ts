// What an archived entry looks like. An object is stored as pretty JSON of the ORIGINAL (the
// sanitised, untransformed source object) plus control annotations; a delete is stored as a
// tombstone at the same key. Source version and uid are also S3 user metadata so the archiver's
// guard costs one HEAD.
//
// Why tombstones rather than S3 deletes: versioning is optional on the user's bucket (without it
// a delete leaves nothing to compare a late, older event against), and a tombstone keeps the
// guard a single HEAD whatever the bucket's settings. Recovery ignores tombstones.

import { createHash } from "node:crypto";
import { canonicalJson } from "@livesync/api";
import { ARCHIVE_ANNOTATIONS } from "../marks.js";
import { readCopyRecord } from "../ownership.js";
import type { KubeObject } from "../types.js";

/** S3 user metadata keys (lower case: S3 lower-cases them anyway). */
export const ARCHIVE_METADATA = {
  sourceResourceVersion: "source-resource-version",
  sourceUid: "source-uid",
  /** "true" on tombstones, "false" on objects. */
  deleted: "deleted",
  /** On tombstones: the event that made it, "DELETED" or "PRUNE". */
  deletedBy: "deleted-by",
} as const;

export interface ArchiveMarks {
  liveSync: string;
  sourceCluster: string;
  sourceUid: string;
  sourceResourceVersion: string;
  archivedAt: string;
}

/** What HEAD tells about a stored entry. */
export interface StoredState {
  sourceResourceVersion?: string;
  sourceUid?: string;
  deleted: boolean;
  /** A tombstone written by a PRUNE: its version is a list's, it only speaks for its uid. */
  pruned?: boolean;
}

export interface EncodedEntry {
  body: string;
  metadata: Record<string, string>;
}

const ARCHIVE_KEYS: readonly string[] = Object.values(ARCHIVE_ANNOTATIONS);

export function sha256Of(original: KubeObject): string {
  return createHash("sha256").update(canonicalJson(original)).digest("hex");
}

/** The stored object without the archive's annotations (and without a map left empty). */
export function originalOf(stored: KubeObject): KubeObject {
  const c = structuredClone(stored);
  const a = c.metadata.annotations;
  if (a) {
    for (const k of ARCHIVE_KEYS) delete a[k];
    if (Object.keys(a).length === 0) delete c.metadata.annotations;
  }
  return c;
}

/** The original with the control annotations added; the hash covers originalOf(result). */
export function archivedObject(original: KubeObject, marks: ArchiveMarks): KubeObject {
  const clean = originalOf(original);
  const c = structuredClone(clean);
  c.metadata.annotations = {
    ...c.metadata.annotations,
    [ARCHIVE_ANNOTATIONS.sourceCluster]: marks.sourceCluster,
    [ARCHIVE_ANNOTATIONS.sourceUid]: marks.sourceUid,
    [ARCHIVE_ANNOTATIONS.sourceResourceVersion]: marks.sourceResourceVersion,
    [ARCHIVE_ANNOTATIONS.liveSync]: marks.liveSync,
    [ARCHIVE_ANNOTATIONS.archivedAt]: marks.archivedAt,
    [ARCHIVE_ANNOTATIONS.sha256]: sha256Of(clean),
  };
  return c;
}

export function encodeObjectEntry(original: KubeObject, marks: ArchiveMarks): EncodedEntry {
  return {
    body: JSON.stringify(archivedObject(original, marks), null, 2),
    metadata: {
      [ARCHIVE_METADATA.sourceResourceVersion]: marks.sourceResourceVersion,
      [ARCHIVE_METADATA.sourceUid]: marks.sourceUid,
      [ARCHIVE_METADATA.deleted]: "false",
    },
  };
}

export interface Tombstone {
  deleted: true;
  sourceUid: string;
  sourceResourceVersion: string;
  deletedAt: string;
  event: "DELETED" | "PRUNE";
}

export function encodeTombstone(t: Omit<Tombstone, "deleted">): EncodedEntry {
  const body: Tombstone = { deleted: true, ...t };
  return {
    body: JSON.stringify(body),
    metadata: {
      [ARCHIVE_METADATA.sourceResourceVersion]: t.sourceResourceVersion,
      [ARCHIVE_METADATA.sourceUid]: t.sourceUid,
      [ARCHIVE_METADATA.deleted]: "true",
      [ARCHIVE_METADATA.deletedBy]: t.event,
    },
  };
}

/** HEAD's user metadata -> StoredState (keys compared case-insensitively). */
export function parseArchiveMetadata(metadata: Record<string, string> | undefined): StoredState {
  const md = Object.fromEntries(
    Object.entries(metadata ?? {}).map(([k, v]) => [k.toLowerCase(), v]),
  );
  const state: StoredState = { deleted: md[ARCHIVE_METADATA.deleted] === "true" };
  const rv = md[ARCHIVE_METADATA.sourceResourceVersion];
  const uid = md[ARCHIVE_METADATA.sourceUid];
  if (rv) state.sourceResourceVersion = rv;
  if (uid) state.sourceUid = uid;
  if (state.deleted && md[ARCHIVE_METADATA.deletedBy] === "PRUNE") state.pruned = true;
  return state;
}

export type ArchiveEntry =
  | {
      kind: "object";
      /** As stored, with the control annotations. */
      stored: KubeObject;
      /** What the source had: restore this. */
      original: KubeObject;
      marks: Partial<ArchiveMarks>;
      /** The sha256 annotation matches the original. */
      verified: boolean;
    }
  | { kind: "tombstone"; tombstone: Tombstone };

/** Parses a stored body; throws on anything that is neither an archived object nor a tombstone. */
export function decodeArchiveEntry(text: string): ArchiveEntry {
  const v = JSON.parse(text) as unknown;
  if (typeof v !== "object" || v === null || Array.isArray(v)) {
    throw new Error("archive entry is not a JSON object");
  }
  const r = v as Record<string, unknown>;
  if (r.deleted === true) return { kind: "tombstone", tombstone: r as unknown as Tombstone };
  const md = r.metadata as Record<string, unknown> | undefined;
  if (typeof r.apiVersion !== "string" || typeof r.kind !== "string" || typeof md !== "object") {
    throw new Error("archive entry is neither a Kubernetes object nor a tombstone");
  }
  const stored = r as KubeObject;
  const a = stored.metadata.annotations ?? {};
  const original = originalOf(stored);
  // The ownership marks are read as on a copy; the archive adds only the time of the write.
  const { liveSync, sourceCluster, sourceUid, sourceResourceVersion } = readCopyRecord(stored)!;
  const marks: Partial<ArchiveMarks> = {};
  if (liveSync !== undefined) marks.liveSync = liveSync;
  if (sourceCluster !== undefined) marks.sourceCluster = sourceCluster;
  if (sourceUid !== undefined) marks.sourceUid = sourceUid;
  if (sourceResourceVersion !== undefined) marks.sourceResourceVersion = sourceResourceVersion;
  const archivedAt = a[ARCHIVE_ANNOTATIONS.archivedAt];
  if (archivedAt !== undefined) marks.archivedAt = archivedAt;
  const verified = a[ARCHIVE_ANNOTATIONS.sha256] === sha256Of(original);
  return { kind: "object", stored, original, marks, verified };
}
