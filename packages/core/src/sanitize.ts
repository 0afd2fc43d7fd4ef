// Turns a source object into the object to create in ANOTHER cluster (also archived as the
// "original"): skip what must never be copied (README, "Never replicated"), keep only portable
// metadata, and drop per-cluster fields per kind. The rules every object obeys are here; what is
// special about a kind is in kinds/, found by group and kind.

import {
  clusterLocalReason,
  kindRulesFor,
  REPLICATION_RULES,
  sanitizeMetadata,
} from "./kinds/index.js";
import { ANNOTATIONS } from "./marks.js";
import { isSystemNamespace } from "./selection.js";
import type { Gvr, KubeObject } from "./types.js";
import { deepClone, groupOf } from "./util.js";

export type SanitizeResult = { object: KubeObject } | { skip: string };

/** Why `obj` must not be replicated, or undefined when it may be. */
export function skipReason(obj: KubeObject, gvr: Gvr): string | undefined {
  const md = obj.metadata;
  const name = md?.name;
  const ns = md?.namespace;
  const ann = md?.annotations ?? {};

  if (typeof name !== "string" || name === "") return "object has no metadata.name";
  // Loop prevention: a marked object is itself a copy (e.g. replicating D back to S).
  if (ANNOTATIONS.liveSync in ann) {
    return `already a livesync copy (annotation ${ANNOTATIONS.liveSync}=${ann[ANNOTATIONS.liveSync]})`;
  }
  const local = clusterLocalReason(obj, gvr);
  if (local !== undefined) return local;
  if (isSystemNamespace(ns))
    return `namespace ${ns} belongs to the cluster and is never replicated`;
  if (md.deletionTimestamp) return "being deleted in the source (deletionTimestamp set)";
  const ctl = (md.ownerReferences ?? []).find((r) => r.controller === true);
  if (ctl) return `owned by ${ctl.kind}/${ctl.name}; the destination's controller recreates it`;

  for (const rule of kindRulesFor(REPLICATION_RULES, groupOf(obj.apiVersion), obj.kind)) {
    const reason = rule.skip?.(obj);
    if (reason !== undefined) return reason;
  }
  return undefined;
}

/**
 * Returns `{ object }`, the portable copy of `obj` (input untouched), or `{ skip: reason }`
 * when it must not be replicated at all.
 */
export function sanitize(obj: KubeObject, gvr: Gvr): SanitizeResult {
  const reason = skipReason(obj, gvr);
  if (reason !== undefined) return { skip: reason };
  return { object: portableCopy(obj) };
}

/**
 * The portable part of `obj` (input untouched) without asking whether it may be replicated: no
 * status, portable metadata, per-kind rewrites. Two objects that differ only in what their
 * clusters populated have equal portable copies.
 */
export function portableCopy(obj: KubeObject): KubeObject {
  const out = deepClone(obj);
  delete out.status;
  sanitizeMetadata(out);
  for (const rule of kindRulesFor(REPLICATION_RULES, groupOf(out.apiVersion), out.kind)) {
    rule.rewrite?.(out);
  }
  return out;
}
