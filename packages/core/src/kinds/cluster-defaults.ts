// Objects every cluster has of its own (bootstrapped by the API server or published by its
// controllers): the destination already has them, so they are never copied.

import { isSystemNamespace } from "../selection.js";
import type { KubeObject } from "../types.js";
import type { KindRules } from "./rule.js";

const AUTO_CONFIGMAPS = ["kube-root-ca.crt", "openshift-service-ca.crt"];

/** Built-in PriorityClasses present in every cluster. */
const SYSTEM_PRIORITY_CLASSES = ["system-cluster-critical", "system-node-critical"];

export const CLUSTER_DEFAULT_RULES: KindRules = {
  "/Namespace": {
    skip({ metadata: { name } }: KubeObject) {
      if (isSystemNamespace(name) || name === "default") {
        return `namespace ${name} exists in every cluster`;
      }
      return undefined;
    },
  },
  "/ConfigMap": {
    skip: ({ metadata: { name } }) =>
      AUTO_CONFIGMAPS.includes(name)
        ? `ConfigMap ${name} is published in every namespace by a controller of the cluster`
        : undefined,
  },
  "apiregistration.k8s.io/APIService": {
    skip: (obj) =>
      obj.metadata.labels?.["kube-aggregator.kubernetes.io/automanaged"] !== undefined
        ? "APIService registered automatically by the API server"
        : undefined,
  },
  "rbac.authorization.k8s.io/*": {
    skip({ kind, metadata: { name, labels } }: KubeObject) {
      if (labels?.["kubernetes.io/bootstrapping"] === "rbac-defaults") {
        return "default RBAC object bootstrapped by the API server";
      }
      if ((kind === "ClusterRole" || kind === "ClusterRoleBinding") && name.startsWith("system:")) {
        return `${kind} ${name} belongs to the cluster (system: prefix)`;
      }
      return undefined;
    },
  },
  "scheduling.k8s.io/PriorityClass": {
    skip: ({ metadata: { name } }) =>
      SYSTEM_PRIORITY_CLASSES.includes(name)
        ? `PriorityClass ${name} is built into every cluster`
        : undefined,
  },
};
