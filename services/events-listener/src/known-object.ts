import type { KubeObject } from "@livesync/kube";

/**
 * What the listener keeps of each source object: enough to select it (labels, name) and to
 * publish its deletion when a relist no longer holds it. Whole objects are not kept: a namespace
 * that starts to be selected is listed again instead.
 */
export type KnownObject = Pick<KubeObject, "apiVersion" | "kind"> & {
  metadata: Pick<
    KubeObject["metadata"],
    "name" | "namespace" | "uid" | "resourceVersion" | "labels"
  >;
};

export function knownObject(o: KubeObject): KnownObject {
  const { name, namespace, uid, resourceVersion, labels } = o.metadata;
  return {
    apiVersion: o.apiVersion,
    kind: o.kind,
    metadata: { name, namespace, uid, resourceVersion, labels },
  };
}
