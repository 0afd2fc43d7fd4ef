import {
  compareResourceVersions,
  CONTROL_PREFIX,
  namespacedName as key,
  type KubeObject,
  type ObjectMeta,
} from "@livesync/core";
import { SupervisedWatch, type Cluster, type ResourceInfo } from "@livesync/kube";

/** What the guard needs of a destination object; everything else is not kept. */
export type CachedCopy = Pick<KubeObject, "apiVersion" | "kind"> & {
  metadata: Pick<
    ObjectMeta,
    "name" | "namespace" | "uid" | "resourceVersion" | "annotations" | "deletionTimestamp"
  >;
};

/**
 * An informer over every object of one resource in the destination (ours and not ours), so
 * deciding costs no GET. Our own writes are recorded at once from the apiserver's answer. Every
 * source of state (list, watch, our write's answer, a re-read) goes through one ordering check:
 * a state older than the recorded one (same uid, smaller destination resourceVersion) is
 * ignored. Without it, a controller's status write seen first through the watch was overwritten
 * by the older answer to our own write, and every later write carried a stale precondition.
 */
export class CopyCache {
  private readonly objects = new Map<string, CachedCopy>();
  private readonly watch: SupervisedWatch;
  private readonly listed: Promise<void>;

  constructor(cluster: Cluster, info: ResourceInfo) {
    let ready!: () => void;
    this.listed = new Promise((r) => (ready = r));
    this.watch = new SupervisedWatch(cluster.rest, info, {
      onList: async (items) => {
        this.objects.clear();
        for (const o of items)
          this.objects.set(key(o.metadata.namespace, o.metadata.name), slim(o));
        ready();
      },
      onEvent: async (type, o) => {
        const k = key(o.metadata.namespace, o.metadata.name);
        const known = this.objects.get(k);
        if (type === "DELETED") {
          if (!known || known.metadata.uid === o.metadata.uid) this.objects.delete(k);
          return;
        }
        this.offer(o);
      },
    });
    this.watch.start();
  }

  ready(): Promise<void> {
    return this.listed;
  }

  get(namespace: string | undefined, name: string): CachedCopy | undefined {
    return this.objects.get(key(namespace, name));
  }

  /**
   * A state read or written by us (a write's answer, a GET): kept unless the cache already
   * holds a newer state of the same object, which the watch may have delivered first.
   */
  record(obj: KubeObject): void {
    this.offer(obj);
  }

  private offer(o: KubeObject): void {
    const k = key(o.metadata.namespace, o.metadata.name);
    const known = this.objects.get(k);
    if (known && known.metadata.uid === o.metadata.uid && isOlder(o, known)) return;
    this.objects.set(k, slim(o));
  }

  /** After our own delete (the watch confirms it later). */
  forget(namespace: string | undefined, name: string): void {
    this.objects.delete(key(namespace, name));
  }

  stop(): Promise<void> {
    return this.watch.stop();
  }
}

function isOlder(a: KubeObject, b: CachedCopy): boolean {
  const c = compareResourceVersions(
    a.metadata.resourceVersion ?? "",
    b.metadata.resourceVersion ?? "",
  );
  return c === -1;
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
