import { CONTROL_PREFIX, FIELD_MANAGER, type KubeObject, type ObjectMeta } from "@livesync/core";
import { Informer, type Cluster, type ResourceInfo } from "@livesync/kube";

/** What the guard needs of a destination object; everything else is not kept. */
export type CachedCopy = Pick<KubeObject, "apiVersion" | "kind"> & {
  metadata: Pick<
    ObjectMeta,
    "name" | "namespace" | "uid" | "resourceVersion" | "annotations" | "deletionTimestamp"
  >;
  /**
   * Where in managedFields our Update entry is, when we created the copy with a plain POST and
   * have not applied to it since: it becomes an Apply entry before the first apply.
   */
  postedEntry?: number;
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
  const copy: CachedCopy = {
    apiVersion: o.apiVersion,
    kind: o.kind,
    metadata: { name, namespace, uid, resourceVersion, annotations: ours, deletionTimestamp },
  };
  const posted = postedEntryOf(o);
  if (posted !== undefined) copy.postedEntry = posted;
  return copy;
}

/**
 * The index of our own Update entry of the main resource, when there is no Apply entry of ours:
 * the copy was created with a POST and never applied to.
 */
export function postedEntryOf(o: KubeObject): number | undefined {
  const entries = o.metadata.managedFields ?? [];
  const ours = (op: string) => (e: (typeof entries)[number]) =>
    e.manager === FIELD_MANAGER && e.operation === op && !e.subresource;
  if (entries.some(ours("Apply"))) return undefined;
  const i = entries.findIndex(ours("Update"));
  return i >= 0 ? i : undefined;
}
