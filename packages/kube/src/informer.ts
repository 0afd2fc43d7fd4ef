import { namespacedName } from "@livesync/api";
import { compareResourceVersions } from "@livesync/core";
import { isNotFound } from "./errors.js";
import type { KubeObject } from "./objects.js";
import type { ResourceInfo } from "./resources.js";
import type { KubeRest } from "./rest.js";
import {
  SupervisedWatch,
  type ListReason,
  type SupervisedWatchOptions,
  type WatchEventType,
} from "./watch.js";

/** What a store keeps of an object at the least: what keys it and what orders its states. */
export interface StoredObject {
  metadata: { name: string; namespace?: string; uid?: string; resourceVersion?: string };
}

export interface InformerHandlers<T> {
  /**
   * After a list is stored: how many objects it held, and the stored states the list no longer
   * holds (deleted while nothing watched: a 410 gap, a restart).
   */
  onList?(count: number, reason: ListReason, gone: T[]): Promise<void>;
  /**
   * Each page of a list as it arrives, before the list is stored; the next page is requested
   * once this resolves (see PagedListHandlers.onListPage).
   */
  onListPage?(items: KubeObject[], reason: ListReason, page: number): Promise<void>;
  /** After an event is stored (or ignored as older than the stored state). */
  onEvent?(type: WatchEventType, obj: KubeObject): Promise<void>;
  /** A list or watch failure; the watch backs off and retries by itself. */
  onError?(err: unknown): void;
  /** A watch stream was opened: a failure reported before is over. */
  onConnected?(): void;
}

export interface InformerOptions<T> extends SupervisedWatchOptions {
  /**
   * What the store keeps of each object (default: all of it); a projection keeps memory low. It
   * keeps metadata's uid and resourceVersion: they order the states of an object.
   */
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
  /** The store the list under way builds from its pages, swapped in at the list's end. */
  private next?: Map<string, T>;
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
        // Pages are projected as they arrive: the list's whole objects are never held at once.
        onListPage: async (items, reason, page) => {
          if (page === 0) this.next = new Map();
          for (const o of items) this.next!.set(keyOf(o), this.project(o));
          await handlers.onListPage?.(items, reason, page);
        },
        onListDone: async (count, reason) => {
          const gone = this.swapInList();
          this.lastError = undefined;
          this.setSynced();
          try {
            await handlers.onList?.(count, reason, gone);
          } catch (err) {
            // The list is retried: what it no longer holds is reported again then, not lost.
            for (const o of gone) if (!this.store.has(keyOf(o))) this.store.set(keyOf(o), o);
            throw err;
          }
        },
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
            void handlers.onList?.(0, "initial", []);
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

  /** Lists again now (periodic resync): the next list carries the full current state. */
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
    if (!isNewerState(this.store.get(k), o)) this.store.set(k, this.project(o));
  }

  /**
   * A complete list is the whole current state: it becomes the store, each object ordered
   * against the stored state (which a record() during the list may have made newer). Returns
   * the stored states the list no longer holds.
   */
  private swapInList(): T[] {
    const next = this.next ?? new Map<string, T>();
    this.next = undefined;
    for (const [k, listed] of next) {
      const known = this.store.get(k);
      if (isNewerState(known, listed)) next.set(k, known!);
    }
    const gone: T[] = [];
    for (const [k, o] of this.store) if (!next.has(k)) gone.push(o);
    this.store = next;
    return gone;
  }

  private setSynced(): void {
    this.synced = true;
    this.markListed();
  }
}

/** Whether `known` is a newer state of the same object (same uid) than `o`. */
function isNewerState(known: StoredObject | undefined, o: StoredObject): boolean {
  return !!known && known.metadata.uid === o.metadata.uid && isOlder(o, known);
}

function isOlder(a: StoredObject, b: StoredObject): boolean {
  const c = compareResourceVersions(
    a.metadata.resourceVersion ?? "",
    b.metadata.resourceVersion ?? "",
  );
  return c === -1;
}
