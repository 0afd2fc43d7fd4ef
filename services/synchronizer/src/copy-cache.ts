import { CONTROL_PREFIX, type KubeObject, type ObjectMeta } from "@livesync/core";
import { Informer, type Cluster, type ResourceInfo } from "@livesync/kube";

/** What the guard needs of a destination object; everything else is not kept. */
export type CachedCopy = Pick<KubeObject, "apiVersion" | "kind"> & {
  metadata: Pick<
    ObjectMeta,
    "name" | "namespace" | "uid" | "resourceVersion" | "annotations" | "deletionTimestamp"
  >;
};

/**
 * Every object of one resource in the destination (ours and not ours), so deciding costs no
 * GET. Our own writes and re-reads are recorded at once (record()); the informer orders them
 * with the list and the watch by the destination resourceVersion, so an older answer never
 * hides a newer state.
 */
export type CopyCache = Informer<CachedCopy>;

/** Starts the cache of one destination resource; await ready() before deciding from it. */
export function startCopyCache(cluster: Cluster, info: ResourceInfo): CopyCache {
  // Metadata is all the guard reads: neither list nor watch carries the objects' contents.
  const cache = new Informer(cluster.rest, info, {}, { project: slim, metadataOnly: true });
  cache.start();
  return cache;
}

function slim(o: KubeObject): CachedCopy {
  const { name, namespace, uid, resourceVersion, annotations, deletionTimestamp } = o.metadata;
  const ours =
    annotations &&
    Object.fromEntries(Object.entries(annotations).filter(([k]) => k.startsWith(CONTROL_PREFIX)));
  return {
    apiVersion: o.apiVersion,
    kind: o.kind,
    metadata: { name, namespace, uid, resourceVersion, annotations: ours, deletionTimestamp },
  };
}
