import {
  Limiter,
  PermanentError,
  type Delivery,
  type EventBus,
  type Subscription,
} from "@livesync/bus";
import {
  decodeEvent,
  FIELD_MANAGER,
  gvrKey,
  isOwnedBy,
  KeyedMutex,
  MemoryTombstones,
  namespacedName,
  objectKey,
  type KubeObject,
  type PatchOperation,
  type SyncEvent,
  type TombstoneStore,
} from "@livesync/core";
import {
  deleteObject,
  getObject,
  isImmutableFieldChange,
  isNotFound,
  isTransient,
  type Cluster,
  type ResourceInfo,
  UnknownResourceError,
} from "@livesync/kube";
import { planApply } from "./apply-plan.js";
import { startCopyCache, type CachedCopy, type CopyCache } from "./copy-cache.js";
import { CopyChanged, createCopy, CreateConflict, updateCopy } from "./copy-writes.js";
import { NamespaceEnsurer } from "./namespaces.js";
import { EventClock, StageTimings, type StageSummary } from "./stage-timings.js";
import { confirmedGone, undoIfDeletedMeanwhile } from "./tombstone-checks.js";

export const SYNCHRONIZER_DURABLE = "synchronizer";

/** What the synchronizer needs to know about one LiveSynchronization. */
export interface SyncTarget {
  liveSync: string;
  sourceCluster: string;
  destination: Cluster;
  /** transformation.patch of each spec.config.replication.resources entry, by index. */
  transformations: (PatchOperation[] | undefined)[];
}

/** Events handled, by outcome (objects are counted by objectCounts). */
export interface SyncStats {
  applied: number;
  deleted: number;
  skipped: number;
  /** Events that met an object we did not create (the same object counts once per event). */
  conflicts: number;
  failed: number;
  /** Source write observed -> destination write done, of the last applied event. */
  lastLagMs?: number;
  lastConflict?: string;
  lastError?: string;
  /** The last failure that only waits (destination unreachable, 5xx, throttled). */
  lastTransientError?: string;
}

export type Outcome =
  "created" | "updated" | "repaired" | "replaced" | "deleted" | "skipped" | "conflict";

/**
 * Consumes events and applies them to the destination. Correctness comes from guards, not
 * order: an event is applied only when its source resourceVersion is newer than the one
 * recorded on the copy, deletes leave tombstones, writes carry the read copy's resourceVersion
 * as a precondition, and unowned objects are never touched.
 */
export class Synchronizer {
  private readonly targets = new Map<string, SyncTarget>();
  private readonly stats = new Map<string, SyncStats>();
  private readonly timings = new Map<string, StageTimings>();
  /** Per LiveSynchronization: objects whose copy is current, failed for good, or in conflict. */
  private readonly objects = new Map<string, ObjectSets>();
  private readonly mutex = new KeyedMutex();
  private readonly caches = new Map<Cluster, Map<string, CopyCache>>();
  private readonly namespaces = new NamespaceEnsurer(FIELD_MANAGER);
  private subscription?: Subscription;

  constructor(
    private readonly bus: EventBus,
    private readonly opts: {
      tombstones?: TombstoneStore;
      /**
       * Destination writes at once (default 32). Twice as many events are handled at once, so
       * reading, deciding and waiting on a lock never leave a write slot idle.
       */
      concurrency?: number;
      maxAttempts?: number;
    } = {},
  ) {
    this.tombstones = opts.tombstones ?? new MemoryTombstones();
    this.writeSlots = new Limiter(opts.concurrency ?? DEFAULT_CONCURRENCY);
  }

  private readonly writeSlots: Limiter;

  private readonly tombstones: TombstoneStore;

  /** Adds or replaces a LiveSynchronization's settings; takes effect for the next event. */
  setTarget(target: SyncTarget): void {
    this.targets.set(target.liveSync, target);
    if (!this.stats.has(target.liveSync)) {
      this.stats.set(target.liveSync, {
        applied: 0,
        deleted: 0,
        skipped: 0,
        conflicts: 0,
        failed: 0,
      });
      this.timings.set(target.liveSync, new StageTimings());
      this.objects.set(target.liveSync, {
        inSync: new Set(),
        failed: new Set(),
        conflicts: new Set(),
        retrying: new Set(),
      });
    }
  }

  /** Its events are acknowledged and ignored from now on; returns once its caches are released. */
  async removeTarget(liveSync: string): Promise<void> {
    const destination = this.targets.get(liveSync)?.destination;
    this.targets.delete(liveSync);
    // The destination's informers stop with the last target writing there (clusters are per
    // LiveSynchronization run, so a restarted one brings a new Cluster and new caches).
    if (!destination || [...this.targets.values()].some((t) => t.destination === destination))
      return;
    const perCluster = this.caches.get(destination);
    this.caches.delete(destination);
    await Promise.all([...(perCluster?.values() ?? [])].map((c) => c.stop()));
  }

  statsFor(liveSync: string): SyncStats | undefined {
    return this.stats.get(liveSync);
  }

  /** Where the events' time went, stage by stage (see StageTimings). */
  stagesFor(liveSync: string): StageSummary | undefined {
    return this.timings.get(liveSync)?.summary();
  }

  /**
   * Objects (not events) with a current copy, that failed for good (dead-lettered), and whose
   * destination name is taken by an object we did not create.
   */
  objectCounts(liveSync: string): { synced: number; failed: number; conflicts: number } {
    const o = this.objects.get(liveSync);
    return {
      synced: o?.inSync.size ?? 0,
      failed: o?.failed.size ?? 0,
      conflicts: o?.conflicts.size ?? 0,
    };
  }

  /** Objects whose last attempt met an unreachable or overloaded destination: they wait. */
  retrying(liveSync: string): number {
    return this.objects.get(liveSync)?.retrying.size ?? 0;
  }

  async start(): Promise<void> {
    this.subscription = await this.bus.consume(SYNCHRONIZER_DURABLE, (d) => this.onDelivery(d), {
      concurrency: 2 * (this.opts.concurrency ?? DEFAULT_CONCURRENCY),
      maxAttempts: this.opts.maxAttempts ?? 8,
      // An unreachable destination is an outage, not a bad event: wait it out, however long.
      isTransient,
    });
  }

  async stop(): Promise<void> {
    await this.subscription?.stop();
    this.subscription = undefined;
    for (const perCluster of this.caches.values()) {
      await Promise.all([...perCluster.values()].map((c) => c.stop()));
    }
    this.caches.clear();
  }

  private async onDelivery(d: Delivery): Promise<void> {
    const handedAt = Date.now();
    let event: SyncEvent;
    try {
      event = decodeEvent(d.data);
    } catch (err) {
      throw new PermanentError(`not a livesync event: ${(err as Error).message}`);
    }
    const target = this.targets.get(event.liveSync);
    if (!target) return; // LiveSynchronization removed: its events are moot
    const stats = this.stats.get(event.liveSync)!;
    const track = this.objects.get(event.liveSync)!;
    const timings = this.timings.get(event.liveSync)!;
    if (d.storedAt !== undefined) {
      timings.add("publish", d.storedAt - Date.parse(event.observedAt));
      timings.add("bus", handedAt - d.storedAt);
    }
    const clock = new EventClock(timings, this.writeSlots);
    const key = objectKey(event);
    const isApply = event.type !== "DELETED" && event.type !== "PRUNE";
    try {
      const outcome = await this.mutex.run(key, () => this.apply(target, event, clock));
      if (outcome === "deleted") stats.deleted++;
      else if (outcome === "skipped") stats.skipped++;
      else if (outcome === "conflict") stats.conflicts++;
      else {
        stats.applied++;
        stats.lastLagMs = Date.now() - Date.parse(event.observedAt);
      }
      track.failed.delete(key);
      track.retrying.delete(key);
      if (outcome === "conflict") track.conflicts.add(key);
      else track.conflicts.delete(key);
      // After any outcome but a conflict, an applied event leaves the copy current.
      if (isApply && outcome !== "conflict") track.inSync.add(key);
      else track.inSync.delete(key);
    } catch (err) {
      if (isTransient(err) && !(err instanceof PermanentError)) {
        stats.lastTransientError = `${target.destination.name}: ${(err as Error).message}`;
        track.retrying.add(key);
        throw err;
      }
      track.retrying.delete(key);
      stats.lastError = `${key}: ${(err as Error).message}`;
      if (err instanceof PermanentError || d.failedAttempts + 1 >= (this.opts.maxAttempts ?? 8)) {
        stats.failed++;
        track.failed.add(key);
        track.inSync.delete(key);
      }
      throw err;
    } finally {
      clock.done();
    }
  }

  /**
   * One event, read-decide-write. A write refused because the copy changed since we read it
   * (409 on our precondition) is no reason to give up: the copy is re-read and the event
   * decided again, a few times here and then through redelivery. Exposed for tests.
   */
  async apply(
    target: SyncTarget,
    event: SyncEvent,
    clock = new EventClock(new StageTimings()),
  ): Promise<Outcome> {
    const info = await target.destination.discovery.resolve(event.gvr).catch((err: unknown) => {
      // A CRD installed in the destination after we looked: the next attempt looks again.
      if (err instanceof UnknownResourceError) target.destination.discovery.invalidate([event.gvr]);
      throw err;
    });
    const cache = await this.copyCache(target.destination, info);
    for (let attempt = 1; ; attempt++) {
      try {
        const outcome = await this.applyOnce(target, event, info, cache, clock);
        if (!this.tombstones.shared || !CREATES.has(outcome)) return outcome;
        const at = { destination: target.destination, info, cache, namespace: ns(info, event) };
        const undone = await undoIfDeletedMeanwhile(this.tombstones, event, at);
        return undone ? "skipped" : outcome;
      } catch (err) {
        if (!(err instanceof CopyChanged)) throw err;
        await this.reread(target.destination, info, cache, event);
        if (attempt >= REREADS_PER_DELIVERY) {
          throw new Error(`copy changed while applying, will retry: ${err.message}`);
        }
      }
    }
  }

  /** The copy as it is now, into the cache (which keeps whichever state is newer). */
  private async reread(destination: Cluster, info: ResourceInfo, cache: CopyCache, e: SyncEvent) {
    const namespace = info.namespaced ? e.namespace : undefined;
    const live = await getObject(destination.rest, info, namespace, e.name);
    if (live) cache.record(live);
    else cache.forget(namespace, e.name);
  }

  private async applyOnce(
    target: SyncTarget,
    event: SyncEvent,
    info: ResourceInfo,
    cache: CopyCache,
    clock: EventClock,
  ): Promise<Outcome> {
    const { destination } = target;
    const namespace = info.namespaced ? event.namespace : undefined;
    const current = cache.get(namespace, event.name);
    const plan = planApply(event, {
      sourceCluster: target.sourceCluster,
      transformations: target.transformations,
      current,
      tombstone: await this.tombstones.get(event.liveSync, event.uid),
    });
    if (plan.tombstone !== undefined) {
      await this.tombstones.put(event.liveSync, event.uid, plan.tombstone);
    }
    const { decision } = plan;
    // Another replica may have written a copy our cache has not seen yet (see tombstone-checks).
    if (decision.action === "skip" && decision.kind === "gone" && this.tombstones.shared) {
      if (!(await confirmedGone({ destination, info, cache, namespace }, event.name))) {
        throw new CopyChanged("a copy the cache had not seen yet is there");
      }
    }
    const desired = plan.desired as KubeObject | undefined;
    const { action } = decision;
    switch (action) {
      case "skip":
        if (decision.kind === "conflict") {
          this.stats.get(event.liveSync)!.lastConflict = `${objectKey(event)}: ${decision.reason}`;
          return "conflict";
        }
        return "skipped";
      case "delete":
        await clock.write(() =>
          deleteObject(destination.rest, info, namespace, event.name, {
            uid: current!.metadata.uid,
          }),
        );
        cache.forget(namespace, event.name);
        return "deleted";
      case "create":
      case "update":
      case "replace": {
        if (!desired) throw new PermanentError(`${event.type} event cannot create an object`);
        const write = (copy: CachedCopy | undefined) =>
          clock.write(() => this.write(cache, destination, info, desired, copy));
        if (action === "replace") {
          await clock.write(() => this.deleteAndWait(destination, info, current!));
          await write(undefined);
          return "replaced";
        }
        if (namespace) await this.namespaces.ensure(destination, namespace, event.liveSync);
        try {
          await write(action === "update" ? current : undefined);
        } catch (err) {
          if (err instanceof CreateConflict) {
            // The cache had not seen an object someone else created: never touch it.
            const live = await getObject(destination.rest, info, namespace, event.name);
            if (live && !isOwnedBy(live, event.liveSync)) {
              this.stats.get(event.liveSync)!.lastConflict =
                `${objectKey(event)}: conflict: exists in the destination and was not created by livesync`;
              return "conflict";
            }
            // Our own copy, written by another replica or not yet seen by the watch: decide again.
            throw new CopyChanged(err.message);
          }
          if (isNotFound(err) && namespace) {
            this.namespaces.forget(destination, namespace); // deleted under us: recreate next time
            throw new Error(`namespace ${namespace} vanished in ${destination.name}; will retry`);
          }
          if (namespace && /being terminated/.test((err as Error).message)) {
            this.namespaces.forget(destination, namespace); // recreated once it is gone
            throw new Error(
              `namespace ${namespace} is terminating in ${destination.name}; will retry`,
            );
          }
          // Immutable field changed in the source (Job template, Service clusterIP…): the copy
          // is ours, so replace it rather than fail forever.
          if (current && isImmutableFieldChange(err)) {
            await clock.write(() => this.deleteAndWait(destination, info, current));
            await write(undefined);
            return "replaced";
          }
          throw err;
        }
        if (decision.action === "update" && decision.repair) return "repaired";
        return action === "create" ? "created" : "updated";
      }
    }
  }

  /** Creates the copy (no `copy`) or updates `copy`; what is written goes into the cache. */
  private async write(
    cache: CopyCache,
    destination: Cluster,
    info: ResourceInfo,
    obj: KubeObject,
    copy: CachedCopy | undefined,
  ) {
    if (!copy) cache.record(await createCopy(destination, info, obj));
    else await updateCopy(destination, info, obj, copy, (o) => cache.record(o));
  }

  private async copyCache(destination: Cluster, info: ResourceInfo): Promise<CopyCache> {
    let perCluster = this.caches.get(destination);
    if (!perCluster) this.caches.set(destination, (perCluster = new Map()));
    const k = gvrKey(info);
    let cache = perCluster.get(k);
    if (!cache) perCluster.set(k, (cache = startCopyCache(destination, info)));
    await cache.ready();
    return cache;
  }

  private async deleteAndWait(
    destination: Cluster,
    info: ResourceInfo,
    current: CachedCopy,
  ): Promise<void> {
    const { namespace, name, uid } = current.metadata;
    await deleteObject(destination.rest, info, namespace, name, { uid });
    for (let i = 0; i < 100; i++) {
      const now = await getObject(destination.rest, info, namespace, name);
      if (!now || now.metadata.uid !== uid) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(
      `${info.resource} ${namespacedName(namespace, name)} is still terminating; will retry`,
    );
  }
}

const DEFAULT_CONCURRENCY = 32;
/**
 * Outcomes that created the copy: only those can resurrect one another replica deleted
 * meanwhile. An update is pinned to the copy's uid, so it fails on a deleted copy instead.
 */
const CREATES = new Set<Outcome>(["created", "replaced"]);

const ns = (info: ResourceInfo, e: SyncEvent) => (info.namespaced ? e.namespace : undefined);

/** Re-read-and-decide rounds within one delivery before handing the event back to the bus. */
const REREADS_PER_DELIVERY = 5;

interface ObjectSets {
  inSync: Set<string>;
  failed: Set<string>;
  conflicts: Set<string>;
  retrying: Set<string>;
}
