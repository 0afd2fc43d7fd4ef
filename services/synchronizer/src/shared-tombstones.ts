import { kvToken, type JetStreamBus, type KeyValue } from "@livesync/bus";
import { raisedTombstone, type TombstoneStore } from "@livesync/core";

/** The bucket suffix: `<stream>_TOMBSTONES`. */
export const TOMBSTONE_BUCKET = "TOMBSTONES";
/** Long enough to outlive redelivery and in-flight reordering, as the in-memory store. */
export const TOMBSTONE_TTL_MS = 3_600_000;
/** Raise attempts when other replicas keep writing the same tombstone. */
const RAISE_ATTEMPTS = 10;

/**
 * Tombstones in a JetStream key-value bucket, so every synchronizer replica sees the deletes
 * the others handled. A delete raises the tombstone with a revision-guarded write (create where
 * none is, update over the revision read), so two replicas raising it at once end with the
 * greater resourceVersion, never the one written last.
 */
export class SharedTombstones implements TombstoneStore {
  readonly shared = true;
  private readonly encoder = new TextEncoder();
  private readonly decoder = new TextDecoder();

  constructor(private readonly kv: KeyValue) {}

  /** "<namespace>.<name>.<uid>": a LiveSynchronization's tombstones share a key prefix. */
  private key(liveSync: string, uid: string): string {
    return [...liveSync.split("/"), uid].map(kvToken).join(".");
  }

  async get(liveSync: string, uid: string): Promise<string | undefined> {
    const e = await this.kv.get(this.key(liveSync, uid));
    return e && this.decoder.decode(e.value);
  }

  async put(liveSync: string, uid: string, resourceVersion: string): Promise<void> {
    const key = this.key(liveSync, uid);
    for (let attempt = 1; attempt <= RAISE_ATTEMPTS; attempt++) {
      const current = await this.kv.get(key);
      const next = raisedTombstone(current && this.decoder.decode(current.value), resourceVersion);
      if (next === undefined) return;
      const value = this.encoder.encode(next);
      const written = current
        ? await this.kv.update(key, value, current.revision)
        : await this.kv.create(key, value);
      if (written) return;
    }
    throw new Error(
      `tombstone of ${liveSync} uid ${uid}: still contended after ${RAISE_ATTEMPTS} attempts; will retry`,
    );
  }
}

/** The installation's shared tombstones: the bucket `<stream>_TOMBSTONES` of a JetStream bus. */
export async function sharedTombstones(bus: JetStreamBus): Promise<SharedTombstones> {
  return new SharedTombstones(await bus.keyValue(TOMBSTONE_BUCKET, { ttlMs: TOMBSTONE_TTL_MS }));
}
