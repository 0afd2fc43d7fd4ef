import type { BucketClient } from "@livesync/bucket";
import { PermanentError, type Delivery, type EventBus, type Subscription } from "@livesync/bus";
import {
  archiveKey,
  decideArchive,
  decodeEvent,
  encodeObjectEntry,
  encodeTombstone,
  KeyedMutex,
  parseArchiveMetadata,
  type EncodedEntry,
  namespacedName,
  type SyncEvent,
} from "@livesync/core";

export const ARCHIVER_DURABLE = "archiver";

/** Where one LiveSynchronization's originals go (its spec.config.bucketName). */
export interface ArchiveTarget {
  liveSync: string;
  sourceCluster: string;
  /** Not owned: whoever sets the target closes the client. */
  bucket: BucketClient;
  /** The Bucket CR's namespace and name: the first two segments of every key. */
  bucketNamespace: string;
  bucketName: string;
}

export interface ArchiveStats {
  archived: number;
  tombstoned: number;
  skipped: number;
  /** Events given up on (dead-lettered). */
  failed: number;
  /** Objects whose last attempt failed and that are waiting for a retry (e.g. bucket down). */
  retrying: number;
  lastError?: string;
}

export type ArchiveOutcome = "archived" | "tombstoned" | "skipped";

export interface ArchiverOptions {
  concurrency?: number;
  /** Bucket trouble must not lose events: effectively retry forever (default 100 000). */
  maxAttempts?: number;
  retryDelayMs?: (attempt: number) => number;
  now?: () => Date;
}

/** 0.5 s, 1 s, 2 s… capped at 30 s. */
export const archiverRetryDelay = (attempt: number) => Math.min(500 * 2 ** (attempt - 1), 30_000);

/**
 * Consumes every event with its own durable consumer and keeps the untransformed original of
 * each object in the LiveSynchronization's bucket (deletes as tombstones), guarded by the
 * source resourceVersion like the synchronizer (see decideArchive in @livesync/core).
 */
export class Archiver {
  private readonly targets = new Map<string, ArchiveTarget>();
  private readonly stats = new Map<string, Omit<ArchiveStats, "retrying">>();
  private readonly retrying = new Map<string, Set<string>>();
  private readonly mutex = new KeyedMutex();
  private subscription?: Subscription;

  constructor(
    private readonly bus: EventBus,
    private readonly opts: ArchiverOptions = {},
  ) {}

  /** Adds or replaces a LiveSynchronization's bucket; takes effect for the next attempt. */
  setTarget(target: ArchiveTarget): void {
    this.targets.set(target.liveSync, target);
    if (!this.stats.has(target.liveSync)) {
      this.stats.set(target.liveSync, { archived: 0, tombstoned: 0, skipped: 0, failed: 0 });
      this.retrying.set(target.liveSync, new Set());
    }
  }

  /** Its events are acknowledged and ignored from now on (a LiveSynchronization without bucket). */
  removeTarget(liveSync: string): void {
    this.targets.delete(liveSync);
    this.retrying.get(liveSync)?.clear();
  }

  statsFor(liveSync: string): ArchiveStats | undefined {
    const s = this.stats.get(liveSync);
    return s && { ...s, retrying: this.retrying.get(liveSync)?.size ?? 0 };
  }

  async start(): Promise<void> {
    this.subscription = await this.bus.consume(ARCHIVER_DURABLE, (d) => this.onDelivery(d), {
      concurrency: this.opts.concurrency ?? 16,
      maxAttempts: this.opts.maxAttempts ?? 100_000,
      retryDelayMs: this.opts.retryDelayMs ?? archiverRetryDelay,
    });
  }

  async stop(): Promise<void> {
    await this.subscription?.stop();
    this.subscription = undefined;
  }

  private async onDelivery(d: Delivery): Promise<void> {
    let event: SyncEvent;
    try {
      event = decodeEvent(d.data);
    } catch (err) {
      throw new PermanentError(`not a livesync event: ${(err as Error).message}`);
    }
    const target = this.targets.get(event.liveSync);
    if (!target) return; // no bucket configured (or LiveSynchronization removed)
    const stats = this.stats.get(event.liveSync)!;
    const retrying = this.retrying.get(event.liveSync)!;
    const id = `${event.gvr.group}/${event.gvr.resource}/${namespacedName(event.namespace, event.name)}`;
    try {
      const { outcome } = await this.archive(target, event);
      if (outcome === "archived") stats.archived++;
      else if (outcome === "tombstoned") stats.tombstoned++;
      else stats.skipped++;
      retrying.delete(id);
    } catch (err) {
      const message = (err as Error).message;
      // BucketErrors name the bucket, the request and the key already.
      stats.lastError = message.startsWith("bucket ") ? message : `${id}: ${message}`;
      if (err instanceof PermanentError || d.deliveryCount >= (this.opts.maxAttempts ?? 100_000)) {
        stats.failed++;
        retrying.delete(id);
      } else retrying.add(id);
      throw err;
    }
  }

  /** One event: HEAD, decide, PUT. Exposed for tests. */
  async archive(
    target: ArchiveTarget,
    event: SyncEvent,
  ): Promise<{ outcome: ArchiveOutcome; key: string; reason: string }> {
    let key: string;
    try {
      key = archiveKey({ ...target, gvr: event.gvr, namespace: event.namespace, name: event.name });
    } catch (err) {
      throw new PermanentError(`cannot place the object in the bucket: ${(err as Error).message}`);
    }
    const { bucket } = target;
    return this.mutex.run(`${bucket.label}\n${key}`, async () => {
      const metadata = await bucket.head(key);
      const stored = metadata && parseArchiveMetadata(metadata);
      const decision = decideArchive(event, stored);
      if (decision.action === "skip") return { outcome: "skipped", key, reason: decision.reason };
      const entry = this.encode(target, event);
      await bucket.put(key, entry.body, entry.metadata);
      const outcome = decision.action === "write" ? "archived" : "tombstoned";
      return { outcome, key, reason: decision.reason };
    });
  }

  private encode(target: ArchiveTarget, event: SyncEvent): EncodedEntry {
    if (event.type === "DELETED" || event.type === "PRUNE") {
      return encodeTombstone({
        sourceUid: event.uid,
        sourceResourceVersion: event.sourceResourceVersion,
        deletedAt: event.observedAt,
        event: event.type,
      });
    }
    if (!event.object) throw new PermanentError(`${event.type} event without an object`);
    return encodeObjectEntry(event.object, {
      liveSync: event.liveSync,
      sourceCluster: target.sourceCluster,
      sourceUid: event.uid,
      sourceResourceVersion: event.sourceResourceVersion,
      archivedAt: (this.opts.now?.() ?? new Date()).toISOString(),
    });
  }
}
