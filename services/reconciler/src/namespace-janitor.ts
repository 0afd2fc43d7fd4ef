import { ANNOTATIONS } from "@livesync/core";
import {
  collectionPath,
  isNotFound,
  listableNamespacedResources,
  METADATA_ONLY,
  NAMESPACES,
  SupervisedWatch,
  type Cluster,
  type KubeObject,
  type ResourceInfo,
} from "@livesync/kube";

/** What a namespace holds, as far as deciding whether livesync may remove it goes. */
export interface NamespaceObject {
  /** "<resource>/<name>", for messages. */
  key: string;
  /** A copy made by this LiveSynchronization (it is being pruned with its source). */
  ours: boolean;
  /** Made by the cluster itself in every namespace (kube-root-ca.crt, the default ServiceAccount). */
  perNamespaceDefault: boolean;
  /** Owned by another object: garbage-collected with its owner, decided by the owner. */
  dependent: boolean;
}

export type NamespaceVerdict =
  { action: "delete" } | { action: "wait"; reason: string } | { action: "keep"; reason: string };

/**
 * Whether a namespace livesync created, whose source namespace is gone, may be deleted: only
 * when nothing but our copies (on their way out) and the cluster's per-namespace defaults is in
 * it. Anything else was put there by someone else, and deleting the namespace would take it.
 */
export function namespaceVerdict(objects: readonly NamespaceObject[]): NamespaceVerdict {
  const foreign = objects.filter((o) => !o.ours && !o.perNamespaceDefault && !o.dependent);
  if (foreign.length > 0) {
    const some = foreign.slice(0, 3).map((o) => o.key);
    return {
      action: "keep",
      reason: `it holds objects livesync did not create (${some.join(", ")}${foreign.length > 3 ? ", …" : ""})`,
    };
  }
  const leaving = objects.filter((o) => o.ours || o.dependent);
  if (leaving.length > 0) {
    return { action: "wait", reason: `still being removed: ${leaving.length} of its objects` };
  }
  return { action: "delete" };
}

const PER_NAMESPACE_DEFAULTS = new Set(["configmaps/kube-root-ca.crt", "serviceaccounts/default"]);
/** Events are records about objects, not content; they expire by themselves. */
const NOT_CONTENT = new Set(["events"]);
/** Retries while our copies are still being pruned (ms after the source namespace went). */
const RETRY_DELAYS_MS = [1_000, 3_000, 10_000, 30_000, 60_000, 120_000];

export interface JanitorTarget {
  liveSync: string;
  source: Cluster;
  destination: Cluster;
}

/**
 * Removes the destination namespaces livesync created for a LiveSynchronization once their
 * source namespace is deleted and they hold nothing else. Triggered by the source namespace's
 * deletion (watched) and by each reconcile pass (for deletions missed while not running).
 */
export class NamespaceJanitor {
  /** Namespaces deleted, and those kept with the reason, for status and tests. */
  readonly deleted: string[] = [];
  readonly kept = new Map<string, string>();
  private readonly watch: SupervisedWatch;
  private readonly timers = new Set<NodeJS.Timeout>();
  private stopped = false;

  constructor(private readonly target: JanitorTarget) {
    this.watch = new SupervisedWatch(target.source.rest, NAMESPACES, {
      onList: async () => undefined,
      onEvent: async (type, ns) => {
        if (type === "DELETED") this.schedule(ns.metadata.name, 0);
      },
    });
  }

  start(): void {
    this.watch.start();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    await this.watch.stop();
  }

  /** Checks every namespace this LiveSynchronization created (a reconcile pass). */
  async sweep(): Promise<void> {
    const list = await this.target.destination.rest.request<{ items: KubeObject[] }>(
      "GET",
      "/api/v1/namespaces",
    );
    for (const ns of list.items) {
      if (this.createdByUs(ns) && !ns.metadata.deletionTimestamp)
        this.schedule(ns.metadata.name, 0);
    }
  }

  private schedule(name: string, attempt: number): void {
    if (this.stopped) return;
    const delay = attempt === 0 ? 0 : RETRY_DELAYS_MS[attempt - 1];
    if (delay === undefined) return; // the next reconcile pass looks again
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.check(name).then(
        (again) => again && this.schedule(name, attempt + 1),
        () => this.schedule(name, attempt + 1),
      );
    }, delay);
    timer.unref();
    this.timers.add(timer);
  }

  /** One look at a namespace; true when it should be looked at again later. */
  private async check(name: string): Promise<boolean> {
    const { source, destination } = this.target;
    const path = `/api/v1/namespaces/${encodeURIComponent(name)}`;
    const copy = await getOrUndefined(destination, path);
    if (!copy || !this.createdByUs(copy) || copy.metadata.deletionTimestamp) return false;
    // Only a definite 404 means the source namespace is gone; an error throws and retries.
    if (await getOrUndefined(source, path)) return false;
    const verdict = namespaceVerdict(await this.contents(name));
    if (verdict.action === "keep") this.kept.set(name, verdict.reason);
    if (verdict.action !== "delete") return verdict.action === "wait";
    await destination.rest.request("DELETE", path, {
      body: { kind: "DeleteOptions", apiVersion: "v1", preconditions: { uid: copy.metadata.uid } },
    });
    this.kept.delete(name);
    this.deleted.push(name);
    return false;
  }

  private createdByUs(ns: KubeObject): boolean {
    return ns.metadata.annotations?.[ANNOTATIONS.createdBy] === this.target.liveSync;
  }

  private async contents(namespace: string): Promise<NamespaceObject[]> {
    const { destination } = this.target;
    const resources = await listableNamespacedResources(destination.rest);
    const lists = await Promise.all(
      resources
        .filter((r) => !NOT_CONTENT.has(r.resource))
        .map((r) => this.firstPage(destination, r, namespace)),
    );
    return lists.flat();
  }

  /** One page is enough: it shows whether anything foreign is there, or ours still is. */
  private async firstPage(
    destination: Cluster,
    info: ResourceInfo,
    namespace: string,
  ): Promise<NamespaceObject[]> {
    const page = await destination.rest.request<{ items: KubeObject[] | null }>(
      "GET",
      collectionPath(info, namespace),
      { query: { limit: 100 }, accept: METADATA_ONLY },
    );
    return (page.items ?? []).map((o) => {
      const key = `${info.resource}/${o.metadata.name}`;
      return {
        key,
        ours: o.metadata.annotations?.[ANNOTATIONS.liveSync] === this.target.liveSync,
        perNamespaceDefault: !info.group && PER_NAMESPACE_DEFAULTS.has(key),
        dependent:
          Array.isArray(o.metadata.ownerReferences) && o.metadata.ownerReferences.length > 0,
      };
    });
  }
}

async function getOrUndefined(cluster: Cluster, path: string): Promise<KubeObject | undefined> {
  try {
    return await cluster.rest.request<KubeObject>("GET", path);
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}
