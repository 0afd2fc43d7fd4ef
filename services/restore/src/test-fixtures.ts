// Backup items and live objects for the planning tests (not itself a test file).

import type { BackupItem } from "@livesync/backup";
import type { KubeObject } from "@livesync/core";

const RESOURCES: Record<string, [string, string, string]> = {
  ConfigMap: ["", "v1", "configmaps"],
  Secret: ["", "v1", "secrets"],
  Service: ["", "v1", "services"],
  Namespace: ["", "v1", "namespaces"],
  Deployment: ["apps", "v1", "deployments"],
  ReplicaSet: ["apps", "v1", "replicasets"],
  Pod: ["", "v1", "pods"],
  RoleBinding: ["rbac.authorization.k8s.io", "v1", "rolebindings"],
  ClusterRole: ["rbac.authorization.k8s.io", "v1", "clusterroles"],
  CustomResourceDefinition: ["apiextensions.k8s.io", "v1", "customresourcedefinitions"],
  Widget: ["example.com", "v1", "widgets"],
};

export function gvrOfKind(kind: string) {
  const [group, version, resource] = RESOURCES[kind]!;
  return { group, version, resource };
}

/** An object of `kind` (namespace "" = cluster-scoped) with `extra` fields. */
export function obj(
  kind: string,
  namespace: string,
  name: string,
  extra: Record<string, unknown> = {},
): KubeObject {
  const { group, version } = gvrOfKind(kind);
  return {
    apiVersion: group ? `${group}/${version}` : version,
    kind,
    metadata: { name, ...(namespace ? { namespace } : {}) },
    ...extra,
  };
}

/** A backup item holding `o`, with source uid `uid`. */
export function item(o: KubeObject, uid = `uid-${o.metadata.name}`): BackupItem {
  const gvr = gvrOfKind(o.kind);
  return {
    entry: {
      path: "",
      ...gvr,
      kind: o.kind,
      ...(o.metadata.namespace ? { namespace: o.metadata.namespace } : {}),
      name: o.metadata.name,
      uid,
      resourceVersion: "1",
      sha256: "",
    },
    object: o,
  };
}

/** `o` as the destination's apiserver returns it (uid, resourceVersion, status). */
export function live(o: KubeObject, uid = `live-${o.metadata.name}`): KubeObject {
  return {
    ...structuredClone(o),
    metadata: {
      ...structuredClone(o.metadata),
      uid,
      resourceVersion: "99",
      creationTimestamp: "2026-01-01T00:00:00Z",
      managedFields: [{ manager: "kubectl" }],
    },
    status: { observed: true },
  };
}
