// The resources a backup never holds and a restore never writes, with the reason for each: the
// one list both use. Whole resources only; single objects a cluster generates for itself (pods
// and replica sets owned by a controller, the default ServiceAccount, kube-root-ca.crt…) are
// skipped one by one by the sanitiser the archiver uses.

import { groupResource, type GvrRef } from "@livesync/api";

export interface NeverRestored {
  /** "" is the core group. */
  group: string;
  /** "*" stands for every resource of the group. */
  resource: string;
  reason: string;
}

export const NEVER_RESTORED: readonly NeverRestored[] = [
  { group: "", resource: "events", reason: "a record of what happened in the old cluster" },
  {
    group: "events.k8s.io",
    resource: "events",
    reason: "a record of what happened in the old cluster",
  },
  { group: "", resource: "nodes", reason: "machines of the old cluster; kubelets register" },
  { group: "coordination.k8s.io", resource: "leases", reason: "leader elections and heartbeats" },
  {
    group: "",
    resource: "endpoints",
    reason: "rebuilt from Services and Pods by the endpoints controller",
  },
  {
    group: "discovery.k8s.io",
    resource: "endpointslices",
    reason: "rebuilt from Services and Pods by the endpointslice controller",
  },
  { group: "", resource: "componentstatuses", reason: "health of the old control plane" },
  { group: "", resource: "bindings", reason: "a create-only scheduling request" },
  {
    group: "authentication.k8s.io",
    resource: "*",
    reason: "token and identity reviews are create-only questions to the apiserver",
  },
  {
    group: "authorization.k8s.io",
    resource: "*",
    reason: "access reviews are create-only questions to the apiserver",
  },
  { group: "storage.k8s.io", resource: "csinodes", reason: "per-node CSI driver registrations" },
  {
    group: "storage.k8s.io",
    resource: "volumeattachments",
    reason: "volumes attached to the old cluster's nodes",
  },
  {
    group: "certificates.k8s.io",
    resource: "certificatesigningrequests",
    reason:
      "requests answered by the old cluster's signers (kubelet certificates); expire in hours",
  },
  {
    group: "networking.k8s.io",
    resource: "ipaddresses",
    reason: "allocated by the apiserver for Service cluster IPs",
  },
  {
    group: "resource.k8s.io",
    resource: "resourceslices",
    reason: "published per node by device drivers",
  },
  { group: "metrics.k8s.io", resource: "*", reason: "live usage figures, not state" },
];

/** Why objects of `gvr` are never backed up nor restored, or undefined when they may be. */
export function neverRestoredReason(gvr: Pick<GvrRef, "group" | "resource">): string | undefined {
  const group = gvr.group ?? "";
  return NEVER_RESTORED.find(
    (n) => n.group === group && (n.resource === "*" || n.resource === gvr.resource),
  )?.reason;
}

/** "events (a record of …)": how a message names an excluded resource. */
export function describeNeverRestored(gvr: Pick<GvrRef, "group" | "resource">): string {
  return `${groupResource(gvr)} is never backed up: ${neverRestoredReason(gvr) ?? "?"}`;
}
