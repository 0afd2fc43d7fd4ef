// Pure pieces of a recovery run: the guarded JSON patch, the object a restore applies, the
// dry-run diff and the phase. No I/O.

import {
  markCopy,
  readCopyRecord,
  type ArchiveMarks,
  type KubeObject,
  type PatchOperation,
} from "@livesync/core";
import type { TaskRunFailure } from "@livesync/api";

/**
 * The fromPatch operations prefixed by a `test` of the resourceVersion we read: if the object
 * changed since, the apiserver rejects the whole patch instead of patching a state we never saw.
 */
export function guardedPatch(
  resourceVersion: string | undefined,
  operations: readonly PatchOperation[],
): PatchOperation[] {
  if (!resourceVersion) throw new Error("object has no metadata.resourceVersion");
  return [
    { op: "test", path: "/metadata/resourceVersion", value: resourceVersion },
    ...structuredClone(operations as PatchOperation[]),
  ];
}

/** Metadata the apiserver owns: never part of an applied object. */
const SERVER_METADATA = [
  "uid",
  "resourceVersion",
  "generation",
  "creationTimestamp",
  "deletionTimestamp",
  "deletionGracePeriodSeconds",
  "managedFields",
  "selfLink",
];

/**
 * What a restore server-side-applies over the copy: the archived original, with livesync's
 * ownership marks (so the copy stays ours: label, live-synchronization, source cluster/uid/
 * version of the ARCHIVED original, content hash of what is applied). Marks fall back to the
 * copy's own when the archive lacks them. Name and namespace are the copy's.
 */
export function restoredObject(
  original: KubeObject,
  copy: KubeObject,
  liveSync: string,
  archiveMarks: Partial<ArchiveMarks> = {},
): KubeObject {
  const o = structuredClone(original);
  delete o.status;
  const md = o.metadata as Record<string, unknown>;
  for (const k of SERVER_METADATA) delete md[k];
  o.metadata.name = copy.metadata.name;
  if (copy.metadata.namespace) o.metadata.namespace = copy.metadata.namespace;
  else delete o.metadata.namespace;
  o.apiVersion = copy.apiVersion;
  o.kind = copy.kind;
  const rec = readCopyRecord(copy) ?? {};
  return markCopy(o, {
    liveSync,
    sourceCluster: archiveMarks.sourceCluster ?? rec.sourceCluster ?? "",
    sourceUid: archiveMarks.sourceUid ?? rec.sourceUid ?? "",
    sourceResourceVersion: archiveMarks.sourceResourceVersion ?? rec.sourceResourceVersion ?? "",
  });
}

/** One difference between two objects, as an RFC 6902-like operation (values of `after`). */
export interface DiffEntry {
  op: "add" | "remove" | "replace";
  path: string;
  value?: unknown;
  /** The value before, for "replace" and "remove". */
  old?: unknown;
}

const escape = (k: string) => k.replace(/~/g, "~0").replace(/\//g, "~1");
const isObj = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/** Paths ignored by the diff: what the apiserver changes on every write, and status. */
const IGNORED = new Set([
  "/status",
  "/metadata/resourceVersion",
  "/metadata/managedFields",
  "/metadata/generation",
  "/metadata/creationTimestamp",
  "/metadata/uid",
]);

/**
 * What would change from `before` to `after`: objects are compared key by key, arrays and
 * scalars as a whole (a changed array is one "replace"). Server-maintained fields are ignored.
 */
export function diffObjects(before: unknown, after: unknown, path = ""): DiffEntry[] {
  if (IGNORED.has(path)) return [];
  if (isObj(before) && isObj(after)) {
    const out: DiffEntry[] = [];
    const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
    for (const k of [...keys].sort()) {
      const p = `${path}/${escape(k)}`;
      if (IGNORED.has(p)) continue;
      if (!(k in after)) out.push({ op: "remove", path: p, old: before[k] });
      else if (!(k in before)) out.push({ op: "add", path: p, value: after[k] });
      else out.push(...diffObjects(before[k], after[k], p));
    }
    return out;
  }
  return JSON.stringify(before) === JSON.stringify(after)
    ? []
    : [{ op: "replace", path, value: after, old: before }];
}

/** Succeeded without failures, Failed when nothing succeeded, otherwise PartiallySucceeded. */
export function phaseOf(
  succeeded: number,
  failures: readonly TaskRunFailure[],
): "Succeeded" | "Failed" | "PartiallySucceeded" {
  if (failures.length === 0) return "Succeeded";
  return succeeded === 0 ? "Failed" : "PartiallySucceeded";
}
