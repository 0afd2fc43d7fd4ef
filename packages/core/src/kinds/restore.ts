// What a restore does differently from replication, per kind: objects that a controller of the
// destination recreates from their owner are left to it, and what the source's cluster
// allocated is allocated anew. Applied on top of the replication rules (see restorable.ts).

import type { KubeObject } from "../types.js";
import { releaseServiceAddresses } from "./network.js";
import type { KindRules } from "./rule.js";

const SA_TOKEN_TYPE = "kubernetes.io/service-account-token";

/** Skips an object whose controlling owner is one of `kinds`: that owner recreates it. */
function ownedBy(...kinds: string[]): (obj: KubeObject) => string | undefined {
  return (obj) => {
    const owner = (obj.metadata.ownerReferences ?? []).find(
      (r) => r.controller === true && kinds.includes(r.kind),
    );
    return owner
      ? `owned by ${owner.kind}/${owner.name}, which recreates it once restored`
      : undefined;
  };
}

export const RESTORE_RULES: KindRules = {
  // A fresh clusterIP from the destination's service CIDR; node ports allocated anew.
  "/Service": { rewrite: releaseServiceAddresses },
  "/Pod": {
    skip: ownedBy("ReplicaSet", "StatefulSet", "DaemonSet", "Job", "ReplicationController"),
  },
  "apps/ReplicaSet": { skip: ownedBy("Deployment") },
  "batch/Job": { skip: ownedBy("CronJob") },
  "apps/ControllerRevision": {
    skip: () => "ControllerRevisions are written by the StatefulSet and DaemonSet controllers",
  },
  "discovery.k8s.io/EndpointSlice": {
    skip: () => "EndpointSlices are written by the destination's endpoint controllers",
  },
  "/Secret": {
    skip: (obj) =>
      obj.type === SA_TOKEN_TYPE
        ? "ServiceAccount token Secret; the destination's token controller issues its own"
        : undefined,
  },
};
