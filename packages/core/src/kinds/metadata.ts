// Metadata a copy keeps: an allowlist, so fields added by future Kubernetes versions (and the
// source's uid, resourceVersion, managedFields, ownerReferences…) never travel.

import { CONTROL_PREFIX } from "../marks.js";
import type { KubeObject } from "../types.js";
import { deleteKeys } from "../util.js";
import { rec, type Obj } from "./rule.js";

/** Allowlist (as Stork): robust against metadata fields added by future Kubernetes versions. */
const KEPT_METADATA = ["name", "namespace", "labels", "annotations"] as const;

/** Annotations that describe the source cluster's state or another tool's ownership. */
export const DROPPED_ANNOTATIONS: readonly string[] = [
  "deployment.kubernetes.io/revision", // D's deployment controller keeps its own revision
  "deployment.kubernetes.io/revision-history",
  "argocd.argoproj.io/tracking-id", // an Argo CD in D would otherwise adopt/prune the copy
];

/** Keeps name, namespace, labels and annotations minus source-state and livesync keys. */
export function sanitizeMetadata(obj: KubeObject): void {
  const src = obj.metadata as Obj;
  const md: Obj = {};
  for (const k of KEPT_METADATA) if (src[k] !== undefined && src[k] !== "") md[k] = src[k];
  const ann = rec(md.annotations);
  if (ann) {
    for (const k of Object.keys(ann)) {
      if (k.startsWith(CONTROL_PREFIX) || DROPPED_ANNOTATIONS.includes(k)) delete ann[k];
    }
    if (Object.keys(ann).length === 0) delete md.annotations;
  }
  deleteKeys(
    md,
    "labels",
    Object.keys(rec(md.labels) ?? {}).filter((k) => k.startsWith(CONTROL_PREFIX)),
  );
  obj.metadata = md as KubeObject["metadata"];
}
