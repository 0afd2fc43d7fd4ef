import { PermanentError, type EventBus } from "@livesync/bus";
import {
  compileSelection,
  encodeEvent,
  subjectFor,
  type EventType,
  namespacedName,
  type ResourceFilters,
  type ResourceSelection,
  type SelectedResource,
} from "@livesync/core";
import {
  Informer,
  listPages,
  NAMESPACES,
  SupervisedWatch,
  type Cluster,
  type Gvr,
  type KubeObject,
  type ListReason,
  type ResourceInfo,
  type WatchEventType,
} from "@livesync/kube";
import { NamespaceLabels, publicationFor } from "./events.js";
import { PublishWindow } from "./publish-window.js";
import { knownObject, type KnownObject } from "./known-object.js";
import type { ListenerStats } from "./stats.js";

export const EVENTS_SUBJECT_PREFIX = "livesync.events";

export interface ListenerResource extends Gvr {
  filters?: ResourceFilters;
}

export interface ListenerConfig {
  liveSync: string;
  source: Cluster;
  /** spec.config.replication.resources, in order (the index travels with each event). */
  resources: ListenerResource[];
  /** Subject prefix on the bus (default livesync.events). */
  subjectPrefix?: string;
  /** How often resources the source did not serve at start are looked up again (default 10 s). */
  rediscoverIntervalMs?: number;
}

const REDISCOVER_INTERVAL_MS = 10_000;
/**
 * Watch events of one resource being published at once. One at a time capped the rate of
 * changes carried at one bus round trip each (about 330/s at 3 ms); 64 overlap them. The watch
 * resumes only past events whose publish, and every earlier one's, succeeded, and the
 * synchronizer's resourceVersion guard orders what the bus stores out of order.
 */
const EVENTS_IN_FLIGHT = 64;

/** All objects of one resource in the source, and the rules (resources[] entries) selecting them. */
interface Tracked {
  resource: SelectedResource;
  info: ResourceInfo;
  informer: Informer<KnownObject>;
  /** The publication of the list under way, page by page as the pages arrive. */
  listing?: PublishWindow<KubeObject>;
}

/**
 * Watches every configured resource of one LiveSynchronization in the source and publishes a
 * sanitised envelope for each selected change. It keeps the objects it has seen so that a
 * namespace gaining its label brings that namespace's objects in at once.
 */
export class EventsListener {
  private readonly tracked = new Map<string, Tracked>();
  /** Watches whose last attempt failed, by resource: what the status shows as `watch: …`. */
  private readonly failingWatches = new Map<string, string>();
  private namespaceWatch?: SupervisedWatch;
  private readonly namespaceLabels = new NamespaceLabels();
  private resyncEpoch = Date.now();
  private stopped = false;
  /** resources[] compiled and grouped by resource, at start. */
  private selection: ResourceSelection = { resources: [], needsNamespaceLabels: false };
  /** Whether watches run yet: once namespace labels are known, when a filter needs them. */
  private watching = false;
  private rediscoveryTimer?: NodeJS.Timeout;
  private rediscovery?: Promise<void>;
  readonly stats: ListenerStats = {
    published: 0,
    duplicates: 0,
    skipped: 0,
    resourceErrors: {},
    watchErrors: 0,
    failedObjects: new Set(),
  };

  constructor(
    private readonly config: ListenerConfig,
    private readonly bus: EventBus,
  ) {}

  async start(): Promise<void> {
    const { source } = this.config;
    this.selection = compileSelection(this.config.resources);
    await this.discover(this.selection.resources);
    if (this.selection.needsNamespaceLabels) {
      // Namespace labels first, so the first object lists are filtered correctly. Not awaited:
      // a source that denies listing namespaces must not block the caller; it shows in stats.
      let listed = false;
      this.namespaceWatch = new SupervisedWatch(source.rest, NAMESPACES, {
        onList: async (items) => {
          await this.onNamespaces(items, true);
          if (!listed) this.startWatches();
          listed = true;
        },
        onEvent: (type, ns) => this.onNamespaces([ns], false, type === "DELETED"),
        onError: (err) => this.onWatchError("v1/namespaces", err),
        onConnected: () => this.onWatchHealthy("v1/namespaces"),
      });
      this.namespaceWatch.start();
    } else {
      this.startWatches();
    }
    this.scheduleRediscovery();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.rediscoveryTimer);
    await this.rediscovery; // once stopped, a round in flight tracks nothing
    await Promise.all([...this.tracked.values()].map((t) => t.informer.stop()));
    await this.namespaceWatch?.stop();
  }

  /**
   * While some resources are not served by the source (a CRD installed after start), looks them
   * up again every rediscoverIntervalMs: each one found is tracked, listed and watched as if it
   * had been there at start, and leaves stats.resourceErrors.
   */
  private scheduleRediscovery(): void {
    if (this.stopped || Object.keys(this.stats.resourceErrors).length === 0) return;
    this.rediscoveryTimer = setTimeout(() => {
      this.rediscovery = this.rediscover().finally(() => {
        this.rediscovery = undefined;
        this.scheduleRediscovery();
      });
    }, this.config.rediscoverIntervalMs ?? REDISCOVER_INTERVAL_MS);
    this.rediscoveryTimer.unref();
  }

  private async rediscover(): Promise<void> {
    const missing = this.selection.resources.filter((r) => !this.tracked.has(r.key));
    // One refresh per round: their group-versions are fetched again once, shared by all lookups.
    this.config.source.discovery.invalidate(missing.map((r) => r.gvr));
    await this.discover(missing);
  }

  /**
   * Resolves these resources in the source and tracks those it serves; the others' entries
   * get their error in stats.resourceErrors.
   */
  private async discover(resources: SelectedResource[]): Promise<void> {
    const found = await Promise.all(
      resources.map((resource) =>
        this.config.source.discovery.resolve(resource.gvr).then(
          (info) => ({ resource, info }),
          (err: Error) => ({ resource, error: err.message }),
        ),
      ),
    );
    if (this.stopped) return;
    for (const f of found) {
      for (const rule of f.resource.rules) {
        if ("error" in f) this.stats.resourceErrors[rule.index] = f.error;
        else delete this.stats.resourceErrors[rule.index];
      }
      if ("info" in f) this.track(f.resource, f.info);
    }
  }

  /** Lists and watches one resource, at once when watches run already. */
  private track(resource: SelectedResource, info: ResourceInfo): void {
    const t: Tracked = {
      resource,
      info,
      informer: new Informer(
        this.config.source.rest,
        info,
        {
          onListPage: (items, _reason, page) => this.onListPage(t, items, page),
          onList: (count, reason, gone) => this.onList(t, count, reason, gone),
          onEvent: (type, obj) => this.onEvent(t, type, obj),
          onError: (err) => this.onWatchError(resource.key, err),
          onConnected: () => this.onWatchHealthy(resource.key),
        },
        { project: knownObject, eventsInFlight: EVENTS_IN_FLIGHT },
      ),
    };
    this.tracked.set(resource.key, t);
    if (this.watching) t.informer.start();
  }

  private startWatches(): void {
    if (this.stopped) return;
    this.watching = true;
    this.stats.initialList = { startedAt: Date.now(), objects: 0 };
    for (const t of this.tracked.values()) t.informer.start();
  }

  /** Re-publishes the current state of everything covered (periodic additive resync). */
  resync(): void {
    for (const t of this.tracked.values()) t.informer.relist();
  }

  /**
   * Listed objects are published as their page arrives: the first reach the bus at once. The
   * next page is fetched once the window has room, so a list faster than the bus holds about a
   * page plus the window, not the whole list.
   */
  private async onListPage(t: Tracked, items: KubeObject[], page: number): Promise<void> {
    if (page === 0) {
      this.resyncEpoch = Date.now();
      t.listing = this.window(t, "RESYNC");
    }
    t.listing?.add(items);
    await t.listing?.room();
  }

  private async onList(
    t: Tracked,
    count: number,
    reason: ListReason,
    gone: KnownObject[],
  ): Promise<void> {
    const first = reason === "initial" ? this.stats.initialList : undefined;
    if (first) {
      first.listedAt = Date.now();
      first.objects += count;
    }
    // Deleted while we were not watching (410 gap, restart): tell the synchronizer.
    if (reason === "relist") {
      const deletions = this.window(t, "DELETED");
      deletions.add(gone as KubeObject[]);
      await deletions.drain();
    }
    const listing = t.listing;
    t.listing = undefined;
    await listing?.drain();
    if (first) first.publishedAt = Date.now();
  }

  private window(t: Tracked, type: "RESYNC" | "DELETED"): PublishWindow<KubeObject> {
    return new PublishWindow((obj) => this.publish(t, type, obj), PUBLISH_WINDOW);
  }

  private async onEvent(t: Tracked, type: WatchEventType, obj: KubeObject): Promise<void> {
    await this.publish(t, type, obj);
  }

  private async onNamespaces(items: KubeObject[], full: boolean, deleted = false): Promise<void> {
    const changed = this.namespaceLabels.update(items, full, deleted);
    // A namespace whose labels changed may now select objects it holds: list and publish them.
    for (const t of this.tracked.values()) {
      if (!t.info.namespaced || !t.informer.hasSynced) continue;
      for (const namespace of changed) {
        const publishing = this.window(t, "RESYNC");
        try {
          await listPages(this.config.source.rest, t.info, { namespace }, async (page) => {
            publishing.add(page);
            await publishing.room();
          });
          await publishing.drain();
        } catch (err) {
          // The label change is recorded already, so a retry of this event would find no
          // change: a relist publishes the resource's whole state instead.
          this.onWatchError(t.resource.key, err);
          t.informer.relist();
        }
      }
    }
  }

  /**
   * A permanent failure is this object's alone: it is recorded and the watch goes on (rethrown,
   * the watch would resume before this object and fail on it forever). Other failures (bus
   * unreachable) throw, and the watch retries.
   */
  private async publish(t: Tracked, type: EventType, obj: KubeObject): Promise<void> {
    const failure = `${t.resource.key} ${namespacedName(obj.metadata.namespace, obj.metadata.name)}`;
    try {
      await this.publishOne(t, type, obj);
      this.stats.failedObjects.delete(failure);
    } catch (err) {
      if (!(err instanceof PermanentError)) throw err;
      this.stats.failedObjects.add(failure);
      this.stats.lastPublishError = `${failure}: ${err.message}`;
    }
  }

  private async publishOne(t: Tracked, type: EventType, obj: KubeObject): Promise<void> {
    const p = publicationFor(
      this.config.liveSync,
      t.info,
      t.resource.rules,
      type,
      obj,
      (ns) => this.namespaceLabels.get(ns),
      this.resyncEpoch,
    );
    if ("skip" in p) {
      if (p.skip === "never-replicated") this.stats.skipped++;
      return;
    }
    const { duplicate } = await this.bus.publish(
      subjectFor(this.config.subjectPrefix ?? EVENTS_SUBJECT_PREFIX, this.config.liveSync),
      encodeEvent(p.event),
      p.id,
    );
    if (duplicate) this.stats.duplicates++;
    else this.stats.published++;
  }

  private onWatchError(key: string, err: unknown): void {
    this.stats.watchErrors++;
    this.failingWatches.set(key, `${key}: ${(err as Error).message}`);
    this.stats.lastWatchError = this.failingWatches.get(key);
  }

  /** The watch of `key` is open again: its error leaves the status (another's may remain). */
  private onWatchHealthy(key: string): void {
    if (!this.failingWatches.delete(key)) return;
    this.stats.lastWatchError = [...this.failingWatches.values()].at(-1);
  }
}

/** Publishes of a list awaiting their ack at once: enough to keep the bus busy, not flooded. */
const PUBLISH_WINDOW = 256;
