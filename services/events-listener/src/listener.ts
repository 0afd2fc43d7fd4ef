import type { EventBus } from "@livesync/bus";
import {
  compileFilters,
  selectRule,
  type CoverageRule,
  makeEvent,
  messageId,
  encodeEvent,
  sanitize,
  subjectFor,
  type EventType,
  type KubeObject as CoreObject,
  type ResourceFilters,
} from "@livesync/core";
import {
  gvrString,
  NAMESPACES,
  SupervisedWatch,
  type Cluster,
  type Gvr,
  type KubeObject,
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
}

export interface ListenerStats {
  published: number;
  duplicates: number;
  skipped: number;
  /** Per resources[] index: why it is not being watched (unknown resource, forbidden…). */
  resourceErrors: Record<number, string>;
  watchErrors: number;
  lastWatchError?: string;
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
  readonly stats: ListenerStats = {
    published: 0,
    duplicates: 0,
    skipped: 0,
    resourceErrors: {},
    watchErrors: 0,
  };

  constructor(
    private readonly config: ListenerConfig,
    private readonly bus: EventBus,
  ) {}

  async start(): Promise<void> {
    const { source } = this.config;
    const needsNamespaces = this.config.resources.some((r) => r.filters?.namespaceSelector);
    for (const [index, resource] of this.config.resources.entries()) {
      let info: ResourceInfo;
      try {
        info = await source.discovery.resolve(resource);
      } catch (err) {
        this.stats.resourceErrors[index] = (err as Error).message;
        continue;
      }
      const key = gvrString(info);
      let entry = this.tracked.get(key);
      if (!entry) {
        const objects = new Map<string, KubeObject>();
        const watch = new SupervisedWatch(source.rest, info, {
          onList: (items, reason) => this.onList(key, items, reason),
          onEvent: (type, obj) => this.onEvent(key, type, obj),
          onError: (err) => this.onWatchError(key, err),
        });
        entry = { info, rules: [], objects, watch };
        this.tracked.set(key, entry);
      }
      entry.rules.push({ index, filters: compileFilters(resource.filters) });
    }
    const startWatches = () => {
      if (!this.stopped) for (const t of this.tracked.values()) t.watch.start();
    };
    if (needsNamespaces) {
      // Namespace labels first, so the first object lists are filtered correctly. Not awaited:
      // a source that denies listing namespaces must not block the caller; it shows in stats.
      let listed = false;
      this.namespaceWatch = new SupervisedWatch(source.rest, NAMESPACES, {
        onList: async (items) => {
          await this.onNamespaces(items, true);
          if (!listed) startWatches();
          listed = true;
        },
        onEvent: (type, ns) => this.onNamespaces([ns], false, type === "DELETED"),
        onError: (err) => this.onWatchError("v1/namespaces", err),
      });
      this.namespaceWatch.start();
    } else {
      startWatches();
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all([...this.tracked.values()].map((t) => t.watch.stop()));
    await this.namespaceWatch?.stop();
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
    t.objects = new Map(items.map((o) => [objKey(o), o]));
    this.resyncEpoch = Date.now();
    // Deleted while we were not watching (410 gap, restart): tell the synchronizer.
    const gone = reason === "relist" ? [...previous].filter(([k]) => !t.objects.has(k)) : [];
    await inBatches(gone, ([, old]) => this.publishIfSelected(t, "DELETED", old));
    await inBatches(items, (obj) => this.publishIfSelected(t, "RESYNC", obj));
  }

  private async onEvent(key: string, type: WatchEventType, obj: KubeObject): Promise<void> {
    const t = this.tracked.get(key)!;
    if (type === "DELETED") t.objects.delete(objKey(obj));
    else t.objects.set(objKey(obj), obj);
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
    return selectRule(t.rules, obj as CoreObject, t.info.namespaced, (ns) =>
      this.namespaceLabels.get(ns),
    );
  }

  private async publishIfSelected(t: Tracked, type: EventType, obj: KubeObject): Promise<void> {
    const rule = this.ruleFor(t, obj);
    if (!rule) return;
    let object: CoreObject | undefined;
    if (type !== "DELETED") {
      const clean = sanitize(obj as CoreObject, t.info);
      if ("skip" in clean) {
        this.stats.skipped++;
        return;
      }
      object = clean.object;
    }
    const event = makeEvent(type, this.config.liveSync, t.info, obj as CoreObject, {
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

const objKey = (o: KubeObject) => `${o.metadata.namespace ?? ""}/${o.metadata.name}`;

/** Publishes many without flooding the connection: a bounded number of acks outstanding. */
async function inBatches<T>(items: T[], fn: (item: T) => Promise<void>, size = 256): Promise<void> {
  for (let i = 0; i < items.length; i += size) await Promise.all(items.slice(i, i + size).map(fn));
}
