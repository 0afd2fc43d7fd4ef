import { namespacedName } from "@livesync/api";
import { compareResourceVersions } from "@livesync/core";
import { isNotFound } from "./errors.js";
import type { KubeObject } from "./objects.js";
import type { ResourceInfo } from "./resources.js";
import type { KubeRest } from "./rest.js";
import { SupervisedWatch, type SupervisedWatchOptions, type WatchEventType } from "./watch.js";

/** What a store keeps of an object at the least: what keys it and what orders its states. */
export interface StoredObject {
  metadata: { name: string; namespace?: string; uid?: string; resourceVersion?: string };
}

export interface InformerHandlers<T> {
  /**
   * After a list is stored: the listed objects, and the stored states the list no longer holds
   * (deleted while nothing watched: a 410 gap, a restart).
   */
  onList?(items: KubeObject[], reason: "initial" | "relist", gone: T[]): Promise<void>;
  /** Each page of a list as it arrives, before it is stored (see WatchHandlers.onListPage). */
  onListPage?(items: KubeObject[], reason: "initial" | "relist", page: number): Promise<void>;
  /** After an event is stored (or ignored as older than the stored state). */
  onEvent?(type: WatchEventType, obj: KubeObject): Promise<void>;
  /** A list or watch failure; the watch backs off and retries by itself. */
  onError?(err: unknown): void;
  /** A watch stream was opened: a failure reported before is over. */
  onConnected?(): void;
}

export interface InformerOptions<T> extends SupervisedWatchOptions {
  /** What the store keeps of each object (default: all of it); a projection keeps memory low. */
  project?: (obj: KubeObject) => T;
  /**
   * A resource the server does not serve (404: a CRD not installed yet) holds nothing, which is
   * a complete answer: the informer counts as synced and reports an empty initial list.
   */
  notFoundIsEmpty?: boolean;
}

/** The store's key of an object: `namespace/name`, the namespace empty when cluster-scoped. */
const keyOf = (o: StoredObject) => namespacedName(o.metadata.namespace, o.metadata.name);

/**
 * list+watch of one resource (SupervisedWatch) into a keyed store. Every state the store learns
 * (a list, a watch event, a state the caller read or wrote itself through record()) goes
 * through one ordering check: a state older than the stored one (same uid, smaller
 * resourceVersion) is ignored. Without it, a controller's write seen first through the watch
 * was overwritten by the older answer to our own write, and every later write carried a stale
 * precondition.
 */
export class Informer<T extends StoredObject = KubeObject> {
  private store = new Map<string, T>();
  private readonly watch: SupervisedWatch;
  private readonly project: (obj: KubeObject) => T;
  private synced = false;
  private readonly listed: Promise<void>;
  private markListed!: () => void;
  /** The last list/watch failure (a missing CRD, RBAC), cleared by the next successful list. */
  lastError?: string;

  constructor(
    rest: KubeRest,
    readonly info: ResourceInfo,
    handlers: InformerHandlers<T> = {},
    opts: InformerOptions<T> = {},
  ) {
    const { project, notFoundIsEmpty, ...watchOptions } = opts;
    this.project = project ?? ((o) => o as unknown as T);
    this.listed = new Promise((resolve) => (this.markListed = resolve));
    this.watch = new SupervisedWatch(
      rest,
      info,
      {
        onList: async (items, reason) => {
          const gone = this.replace(items);
          this.lastError = undefined;
          this.setSynced();
          await handlers.onList?.(items, reason, gone);
        },
        onListPage: async (items, reason, page) => handlers.onListPage?.(items, reason, page),
        onEvent: async (type, o) => {
          if (type === "DELETED") {
            const known = this.store.get(keyOf(o));
            // A newer incarnation (another uid) recorded meanwhile stays.
            if (!known || known.metadata.uid === o.metadata.uid) this.store.delete(keyOf(o));
          } else this.offer(o);
          await handlers.onEvent?.(type, o);
        },
        onConnected: () => handlers.onConnected?.(),
        onError: (err) => {
          this.lastError = (err as Error).message;
          handlers.onError?.(err);
          if (notFoundIsEmpty && isNotFound(err) && !this.synced) {
            this.setSynced();
            void handlers.onList?.([], "initial", []);
          }
        },
      },
      watchOptions,
    );
  }

  start(): void {
    this.watch.start();
  }

  stop(): Promise<void> {
    return this.watch.stop();
  }

  /** Lists again now (periodic resync): the next onList carries the full current state. */
  relist(): void {
    this.watch.relist();
  }

  /** Resolves after the first list: until then, the store is not the cluster's state. */
  ready(): Promise<void> {
    return this.listed;
  }

  get hasSynced(): boolean {
    return this.synced;
  }

  get(namespace: string | undefined, name: string): T | undefined {
    return this.store.get(namespacedName(namespace, name));
  }

  list(): T[] {
    return [...this.store.values()];
  }

  /**
   * A state read or written by the caller (a write's answer, a GET): kept unless the store
   * already holds a newer state of the same object, which the watch may have delivered first.
   */
  record(obj: KubeObject): void {
    this.offer(obj);
  }

  /** After the caller's own delete (the watch confirms it later). */
  forget(namespace: string | undefined, name: string): void {
    this.store.delete(namespacedName(namespace, name));
  }

  private offer(o: KubeObject): void {
    const k = keyOf(o);
    const kept = this.newer(o, this.store.get(k));
    if (kept) this.store.set(k, kept);
  }

  /** The projection of `o`, or undefined when `known` is a newer state of the same object. */
  private newer(o: KubeObject, known: T | undefined): T | undefined {
    if (known && known.metadata.uid === o.metadata.uid && isOlder(o, known)) return undefined;
    return this.project(o);
  }

  /** A list is the whole current state: each item ordered against the stored state. */
  private replace(items: KubeObject[]): T[] {
    const next = new Map<string, T>();
    for (const o of items) {
      const k = keyOf(o);
      const known = this.store.get(k);
      next.set(k, this.newer(o, known) ?? known!);
    }
    const gone = [...this.store].filter(([k]) => !next.has(k)).map(([, o]) => o);
    this.store = next;
    return gone;
  }

  private setSynced(): void {
    this.synced = true;
    this.markListed();
  }
}

function isOlder(a: StoredObject, b: StoredObject): boolean {
  const c = compareResourceVersions(
    a.metadata.resourceVersion ?? "",
    b.metadata.resourceVersion ?? "",
  );
  return c === -1;
}
