// Services and their endpoints: the cluster's own API server entries exist everywhere, what
// the endpoints controllers maintain is maintained anew in the destination, and addresses and
// ports are allocated per cluster.

import type { KubeObject } from "../types.js";
import { arr, rec, type KindRules } from "./rule.js";

const ENDPOINTSLICE_CONTROLLERS = [
  "endpointslice-controller.k8s.io",
  "endpointslicemirroring-controller.k8s.io",
];

const isApiServer = (obj: KubeObject) =>
  obj.metadata.namespace === "default" && obj.metadata.name === "kubernetes";

/**
 * Drops what a Service was allocated by its cluster: the destination allocates its own. Node
 * ports go too, explicit or not: once allocated, a chosen port looks like an assigned one.
 */
export function releaseServiceAddresses(obj: KubeObject): void {
  const spec = rec(obj.spec);
  if (!spec) return;
  const headless = spec.clusterIP === "None" || arr(spec.clusterIPs)[0] === "None";
  if (!headless) {
    // Cluster IPs are allocated from D's service CIDR.
    delete spec.clusterIP;
    delete spec.clusterIPs;
  }
  // Node ports are allocated per cluster and may collide in D; a transformation can pin them.
  for (const p of arr(spec.ports)) delete rec(p)?.nodePort;
  delete spec.healthCheckNodePort;
}

export const NETWORK_RULES: KindRules = {
  "/Service": {
    skip: (obj) =>
      isApiServer(obj) ? "Service default/kubernetes is the cluster's own API server" : undefined,
    rewrite: releaseServiceAddresses,
  },
  "/Endpoints": {
    skip(obj: KubeObject) {
      if (isApiServer(obj)) return "Endpoints default/kubernetes are the cluster's own API server";
      const labels = obj.metadata.labels ?? {};
      const ann = obj.metadata.annotations ?? {};
      // The endpoints controller marks what it manages (skip-mirror label, trigger-time
      // annotation); pod targetRefs are per-cluster. Only hand-made Endpoints are copied.
      const managed =
        labels["endpointslice.kubernetes.io/skip-mirror"] === "true" ||
        ann["endpoints.kubernetes.io/last-change-trigger-time"] !== undefined ||
        arr(obj.subsets).some((s) =>
          [...arr(rec(s)?.addresses), ...arr(rec(s)?.notReadyAddresses)].some(
            (a) => rec(a)?.targetRef !== undefined,
          ),
        );
      if (managed) return "Endpoints maintained by the endpoints controller for a Service";
      return undefined;
    },
  },
  "discovery.k8s.io/EndpointSlice": {
    skip(obj: KubeObject) {
      const by = obj.metadata.labels?.["endpointslice.kubernetes.io/managed-by"];
      if (by !== undefined && ENDPOINTSLICE_CONTROLLERS.includes(by)) {
        return `EndpointSlice managed by ${by}`;
      }
      if (isApiServer(obj))
        return "EndpointSlice default/kubernetes is the cluster's own API server";
      return undefined;
    },
  },
};
