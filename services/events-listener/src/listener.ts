import { PermanentError, type EventBus } from "@livesync/bus";
import {
  compileFilters,
  selectRule,
  type CoverageRule,
  makeEvent,
  messageId,
  encodeEvent,
  gvrKey,
  namespacedNameOf,
  sanitize,
  subjectFor,
  type EventType,
  type KubeObject,
  type ResourceFilters,
} from "@livesync/core";
import {
  NAMESPACES,
  SupervisedWatch,
  type Cluster,
  type Gvr,
  type ResourceInfo,
  type WatchEventType,
} from "@livesync/kube";

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

export interface ListenerStats {
  published: number;
  duplicates: number;
  skipped: number;
  /** Per resources[] index: why it is not being watched (unknown resource, forbidden…). */
  resourceErrors: Record<number, string>;
  watchErrors: number;
  lastWatchError?: string;
  /**
   * Objects the bus refused for good (too big to carry), as "<gvr> <namespace>/<name>": the rest
   * of their resource keeps flowing. One leaves the set when it publishes again or goes.
   */
  failedObjects: Set<string>;
  lastPublishError?: string;
}

/** All objects of one GVR in the source, and the rules (resources[] entries) that select from it. */
interface Tracked {
  info: ResourceInfo;
  rules: CoverageRule[];
  objects: Map<string, KubeObject>;
  watch: SupervisedWatch;
}

/**
 * Watches every configured resource of one LiveSynchronization in the source and publishes a
 * sanitised envelope for each selected change. It keeps the objects it has seen so that a
 * namespace gaining its label brings that namespace's objects in at once.
 */
export class EventsListener {
  private readonly tracked = new Map<string, Tracked>();
  private namespaceWatch?: SupervisedWatch;
  private readonly namespaceLabels = new Map<string, Record<string, string>>();
  private resyncEpoch = Date.now();
  private stopped = false;
  /** One per resources[] entry, compiled at start. */
  private rules: CoverageRule[] = [];
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
    const needsNamespaces = this.config.resources.some((r) => r.filters?.namespaceSelector);
    this.rules = this.config.resources.map((r, index) => ({
      index,
      filters: compileFilters(r.filters),
    }));
    await this.discover([...this.rules.keys()]);
    if (needsNamespaces) {
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
    await Promise.all([...this.tracked.values()].map((t) => t.watch.stop()));
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
    const missing = Object.keys(this.stats.resourceErrors).map(Number);
    // One refresh per round: their group-versions are fetched again once, shared by all lookups.
    this.config.source.discovery.invalidate(missing.map((i) => this.config.resources[i]!));
    await this.discover(missing);
  }

  /** Resolves these resources[] entries in the source and tracks those it serves. */
  private async discover(indexes: number[]): Promise<void> {
    const { source, resources } = this.config;
    const found = await Promise.all(
      indexes.map((index) =>
        source.discovery.resolve(resources[index]!).then(
          (info) => ({ index, info }),
          (err: Error) => ({ index, error: err.message }),
        ),
      ),
    );
    if (this.stopped) return;
    for (const f of found) {
      if ("error" in f) {
        this.stats.resourceErrors[f.index] = f.error;
        continue;
      }
      delete this.stats.resourceErrors[f.index];
      this.track(this.rules[f.index]!, f.info);
    }
  }

  /** Adds a rule to its GVR's tracking; once watches run, it starts or relists that watch. */
  private track(rule: CoverageRule, info: ResourceInfo): void {
    const key = gvrKey(info);
    let entry = this.tracked.get(key);
    const isNew = !entry;
    if (!entry) {
      const watch = new SupervisedWatch(this.config.source.rest, info, {
        onList: (items, reason) => this.onList(key, items, reason),
        onEvent: (type, obj) => this.onEvent(key, type, obj),
        onError: (err) => this.onWatchError(key, err),
      });
      entry = { info, rules: [], objects: new Map(), watch };
      this.tracked.set(key, entry);
    }
    // The first matching rule wins (selectRule): keep them in resources[] order.
    entry.rules = [...entry.rules, rule].sort((a, b) => a.index - b.index);
    if (!this.watching) return;
    if (isNew) entry.watch.start();
    else entry.watch.relist(); // the new rule may select objects listed already
  }

  private startWatches(): void {
    if (this.stopped) return;
    this.watching = true;
    for (const t of this.tracked.values()) t.watch.start();
  }

  /** Re-publishes the current state of everything covered (periodic additive resync). */
  resync(): void {
    for (const t of this.tracked.values()) t.watch.relist();
  }

  private async onList(
    key: string,
    items: KubeObject[],
    reason: "initial" | "relist",
  ): Promise<void> {
    const t = this.tracked.get(key)!;
    const previous = t.objects;
    t.objects = new Map(items.map((o) => [namespacedNameOf(o), o]));
    this.resyncEpoch = Date.now();
    // Deleted while we were not watching (410 gap, restart): tell the synchronizer.
    const gone = reason === "relist" ? [...previous].filter(([k]) => !t.objects.has(k)) : [];
    await inBatches(gone, ([, old]) => this.publishIfSelected(t, "DELETED", old));
    await inBatches(items, (obj) => this.publishIfSelected(t, "RESYNC", obj));
  }

  private async onEvent(key: string, type: WatchEventType, obj: KubeObject): Promise<void> {
    const t = this.tracked.get(key)!;
    if (type === "DELETED") t.objects.delete(namespacedNameOf(obj));
    else t.objects.set(namespacedNameOf(obj), obj);
    await this.publishIfSelected(t, type, obj);
  }

  private async onNamespaces(items: KubeObject[], full: boolean, deleted = false): Promise<void> {
    if (full) this.namespaceLabels.clear();
    const changed: string[] = [];
    for (const ns of items) {
      const name = ns.metadata.name;
      const before = JSON.stringify(this.namespaceLabels.get(name) ?? null);
      if (deleted) this.namespaceLabels.delete(name);
      else this.namespaceLabels.set(name, ns.metadata.labels ?? {});
      if (!full && before !== JSON.stringify(this.namespaceLabels.get(name) ?? null))
        changed.push(name);
    }
    // A namespace whose labels changed may now select objects we already know: publish them.
    for (const name of changed) {
      for (const t of this.tracked.values()) {
        for (const obj of t.objects.values()) {
          if (obj.metadata.namespace === name) await this.publishIfSelected(t, "RESYNC", obj);
        }
      }
    }
  }

  private ruleFor(t: Tracked, obj: KubeObject): CoverageRule | undefined {
    return selectRule(t.rules, obj, t.info.namespaced, (ns) => this.namespaceLabels.get(ns));
  }

  /**
   * A permanent failure is this object's alone: it is recorded and the watch goes on (rethrown,
   * the watch would resume before this object and fail on it forever). Other failures (bus
   * unreachable) throw, and the watch retries.
   */
  private async publishIfSelected(t: Tracked, type: EventType, obj: KubeObject): Promise<void> {
    const failure = `${gvrKey(t.info)} ${namespacedNameOf(obj)}`;
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
    const rule = this.ruleFor(t, obj);
    if (!rule) return;
    let object: KubeObject | undefined;
    if (type !== "DELETED") {
      const clean = sanitize(obj, t.info);
      if ("skip" in clean) {
        this.stats.skipped++;
        return;
      }
      object = clean.object;
    }
    const event = makeEvent(type, this.config.liveSync, t.info, obj, {
      object,
      resourceIndex: rule.index,
    });
    // Resyncs of an unchanged object must get through again (the copy may have been pruned or
    // edited by hand since), so their id carries the resync round.
    const id = messageId(event) + (type === "RESYNC" ? `@${this.resyncEpoch}` : "");
    const { duplicate } = await this.bus.publish(
      subjectFor(this.config.subjectPrefix ?? EVENTS_SUBJECT_PREFIX, this.config.liveSync),
      encodeEvent(event),
      id,
    );
    if (duplicate) this.stats.duplicates++;
    else this.stats.published++;
  }

  private onWatchError(key: string, err: unknown): void {
    this.stats.watchErrors++;
    this.stats.lastWatchError = `${key}: ${(err as Error).message}`;
  }
}

/** Publishes many without flooding the connection: a bounded number of acks outstanding. */
async function inBatches<T>(items: T[], fn: (item: T) => Promise<void>, size = 256): Promise<void> {
  for (let i = 0; i < items.length; i += size) await Promise.all(items.slice(i, i + size).map(fn));
}
