// Resources that are state of one cluster (its nodes, events, leases, generated revisions) and
// make no sense in another: never replicated, whatever the filters select.

import type { Gvr, KubeObject } from "../types.js";
import { groupOf } from "../util.js";

/** Resources (group/resource) never replicated: cluster-local or generated state. */
const NEVER_RESOURCES = new Set([
  "/events",
  "events.k8s.io/events",
  "/nodes",
  "coordination.k8s.io/leases",
  "apps/controllerrevisions",
  "storage.k8s.io/csinodes",
  "storage.k8s.io/volumeattachments",
  "/componentstatuses",
]);
/** Same list by group/kind, so a caller passing an odd GVR still cannot copy these. */
const NEVER_KINDS = new Set([
  "/Event",
  "events.k8s.io/Event",
  "/Node",
  "coordination.k8s.io/Lease",
  "apps/ControllerRevision",
  "storage.k8s.io/CSINode",
  "storage.k8s.io/VolumeAttachment",
  "/ComponentStatus",
]);
/** Whole groups that are read-only views of live state. */
const NEVER_GROUPS = new Set(["metrics.k8s.io"]);

/** Why `obj` (served as `gvr`) is cluster-local, or undefined. */
export function clusterLocalReason(obj: KubeObject, gvr: Gvr): string | undefined {
  const group = groupOf(obj.apiVersion);
  if (NEVER_GROUPS.has(gvr.group) || NEVER_GROUPS.has(group)) {
    return `${gvr.group || group} resources are never replicated`;
  }
  if (
    NEVER_RESOURCES.has(`${gvr.group}/${gvr.resource}`) ||
    NEVER_KINDS.has(`${group}/${obj.kind}`)
  ) {
    return `${obj.kind} objects are cluster-local and never replicated`;
  }
  return undefined;
}
