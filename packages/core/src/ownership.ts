// Control metadata carried by every copy in the destination: who owns it and which source
// version it reflects. Ownership is a self-referencing annotation (not a label, which templates
// can leak to children); the label only lets the reconciler list copies server-side.

import { createHash } from "node:crypto";
import { canonicalJson } from "@livesync/api";
import { ANNOTATIONS, CONTROL_PREFIX, MANAGED_LABEL } from "./marks.js";
import type { KubeObject } from "./types.js";
import { deepClone, isRecord } from "./util.js";

export interface CopyMarks {
  liveSync: string;
  sourceCluster: string;
  sourceUid: string;
  sourceResourceVersion: string;
}

/** What a copy (or an archived original) records about itself: see readCopyRecord. */
export interface CopyRecord {
  liveSync?: string;
  sourceCluster?: string;
  sourceUid?: string;
  sourceResourceVersion?: string;
  contentHash?: string;
  /** The object has a deletionTimestamp. */
  terminating?: boolean;
}

/** Removes livesync's own annotations and labels (and maps left empty) in place. */
function stripControl(obj: KubeObject): void {
  const md = obj.metadata as Record<string, unknown>;
  for (const field of ["annotations", "labels"]) {
    const map = md[field];
    if (!isRecord(map)) continue;
    for (const k of Object.keys(map)) if (k.startsWith(CONTROL_PREFIX)) delete map[k];
    if (Object.keys(map).length === 0) delete md[field];
  }
}

/**
 * sha256 (hex) of the canonical JSON of `obj` without livesync's own metadata, so the hash of
 * a marked copy equals the hash of what was marked, and the marking itself never changes it.
 */
export function contentHash(obj: KubeObject): string {
  const c = deepClone(obj);
  stripControl(c);
  return createHash("sha256").update(canonicalJson(c)).digest("hex");
}

/** Returns a copy of `obj` carrying the ownership/version annotations and the managed label. */
export function markCopy(obj: KubeObject, marks: CopyMarks): KubeObject {
  const hash = contentHash(obj);
  const c = deepClone(obj);
  stripControl(c); // stale marks from an earlier pass must not survive
  c.metadata.annotations = {
    ...c.metadata.annotations,
    [ANNOTATIONS.liveSync]: marks.liveSync,
    [ANNOTATIONS.sourceCluster]: marks.sourceCluster,
    [ANNOTATIONS.sourceUid]: marks.sourceUid,
    [ANNOTATIONS.sourceResourceVersion]: marks.sourceResourceVersion,
    [ANNOTATIONS.contentHash]: hash,
  };
  c.metadata.labels = { ...c.metadata.labels, [MANAGED_LABEL]: "true" };
  return c;
}

/**
 * The control annotations of a destination object (undefined when there is no object): the one
 * reader of livesync's ownership marks, for the guard, the reconciler, recovery and the archive.
 */
export function readCopyRecord(obj: KubeObject | undefined): CopyRecord | undefined {
  if (!obj) return undefined;
  const a = obj.metadata?.annotations ?? {};
  const rec: CopyRecord = {};
  const get = (k: string) => (typeof a[k] === "string" ? a[k] : undefined);
  const pairs: [Exclude<keyof CopyRecord, "terminating">, string][] = [
    ["liveSync", ANNOTATIONS.liveSync],
    ["sourceCluster", ANNOTATIONS.sourceCluster],
    ["sourceUid", ANNOTATIONS.sourceUid],
    ["sourceResourceVersion", ANNOTATIONS.sourceResourceVersion],
    ["contentHash", ANNOTATIONS.contentHash],
  ];
  for (const [field, key] of pairs) {
    const v = get(key);
    if (v !== undefined) rec[field] = v;
  }
  if (obj.metadata?.deletionTimestamp) rec.terminating = true;
  return rec;
}

/** Ownership is the annotation only: the label alone (e.g. copied by hand) confers nothing. */
export function isOwnedBy(obj: KubeObject | undefined, liveSync: string): boolean {
  return readCopyRecord(obj)?.liveSync === liveSync;
}
