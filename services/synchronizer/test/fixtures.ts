import type { SyncEvent } from "@livesync/core";
import type { Cluster } from "@livesync/kube";
import type { SyncTarget } from "../src/index.js";

/** An event of the ConfigMap `namespace/name` (its object holds `data.v = value`). */
export function configMapEvent(
  at: { liveSync: string; namespace: string },
  type: SyncEvent["type"],
  name: string,
  uid: string,
  rv: number,
  value: string,
): SyncEvent {
  const { liveSync, namespace } = at;
  return {
    type,
    liveSync,
    gvr: { group: "", version: "v1", resource: "configmaps" },
    kind: "ConfigMap",
    apiVersion: "v1",
    namespaced: true,
    namespace,
    name,
    uid,
    sourceResourceVersion: String(rv),
    observedAt: new Date().toISOString(),
    resourceIndex: 0,
    object:
      type === "DELETED"
        ? undefined
        : {
            apiVersion: "v1",
            kind: "ConfigMap",
            metadata: { name, namespace },
            data: { v: value },
          },
  };
}

/** `liveSync`'s target: the source cluster's objects into `destination`, untransformed. */
export function configMapTarget(liveSync: string, destination: Cluster): SyncTarget {
  return { liveSync, sourceCluster: "source", destination, transformations: [undefined] };
}
