import {
  isPreconditionFailed,
  probeConditionalWrites,
  type BucketClient,
  type StoredObject,
  type WriteCondition,
} from "@livesync/bucket";
import { PermanentError, type Delivery, type EventBus, type Subscription } from "@livesync/bus";
import {
  archiveKey,
  archivePrefix,
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
  /**
   * Whether writes to this bucket are conditional (If-Match / If-None-Match), which closes the
   * race between two archivers; false: the server does not support them and the guard is
   * HEAD-then-PUT. Undefined until the first write probed the server.
   */
  conditionalWrites?: boolean;
}

export type ArchiveOutcome = "archived" | "tombstoned" | "skipped";

export interface ArchiverOptions {
  concurrency?: number;
  /** Bucket trouble must not lose events: effectively retry forever (default 100 000). */
  maxAttempts?: number;
  retryDelayMs?: (attempt: number) => number;
  now?: () => Date;
  /** Skip the probe: true or false forces conditional or HEAD-then-PUT writes (tests). */
  conditionalWrites?: boolean;
}

/** Decide-and-write rounds within one delivery when another archiver wrote the key meanwhile. */
const WRITE_ROUNDS_PER_DELIVERY = 5;

/**
 * The condition that makes a PUT land only on the state the decision was made from: the ETag
 * read, or no object at all. Undefined (an unconditional PUT) when the server gave no ETag.
 */
export function writeConditionFor(found: StoredObject | undefined): WriteCondition | undefined {
  if (!found) return { ifNoneMatch: "*" };
  return found.etag ? { ifMatch: found.etag } : undefined;
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
  /** Per bucket client: whether its server honours conditional writes (probed once). */
  private readonly conditional = new WeakMap<BucketClient, Promise<boolean>>();
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

  /** Probes the server once per client; a failed probe (outage) is asked again next time. */
  private conditionalWrites(target: ArchiveTarget): Promise<boolean> {
    if (this.opts.conditionalWrites !== undefined) {
      return Promise.resolve(this.opts.conditionalWrites);
    }
    let known = this.conditional.get(target.bucket);
    if (!known) {
      known = probeConditionalWrites(target.bucket, archivePrefix(target));
      this.conditional.set(target.bucket, known);
      known.catch(() => this.conditional.delete(target.bucket));
    }
    return known;
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

  /**
   * One event: HEAD, decide, PUT. Where the server supports it the PUT is conditional on what
   * the HEAD saw, so another archiver's write in between makes it fail (412) and the event is
   * decided again: an older original never overwrites a newer one. Exposed for tests.
   */
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
      for (let round = 1; ; round++) {
        const found = await bucket.stat(key);
        const stored = found && parseArchiveMetadata(found.metadata);
        const decision = decideArchive(event, stored);
        if (decision.action === "skip") return { outcome: "skipped", key, reason: decision.reason };
        const entry = this.encode(target, event);
        // Probed at the first write, after a HEAD went through (its errors are the clearer).
        const conditional = await this.conditionalWrites(target);
        const stats = this.stats.get(target.liveSync);
        if (stats) stats.conditionalWrites = conditional;
        try {
          await bucket.put(
            key,
            entry.body,
            entry.metadata,
            conditional ? writeConditionFor(found) : undefined,
          );
        } catch (err) {
          // Another archiver wrote the key since our HEAD: what it wrote may be newer.
          if (isPreconditionFailed(err) && round < WRITE_ROUNDS_PER_DELIVERY) continue;
          throw err;
        }
        const outcome = decision.action === "write" ? "archived" : "tombstoned";
        return { outcome, key, reason: decision.reason };
      }
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
