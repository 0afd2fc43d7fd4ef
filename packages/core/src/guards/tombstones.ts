import { maxResourceVersion } from "./copy.js";

/**
 * Remembers deletes (liveSync + source uid -> resourceVersion) so that an older ADDED/MODIFIED
 * delivered after the DELETED cannot resurrect the object. Bounded and time-limited: the window
 * only has to outlive redelivery and in-flight reordering.
 */
export interface TombstoneStore {
  get(liveSync: string, uid: string): Promise<string | undefined>;
  /** Records the delete: the tombstone becomes the greater of what it was and resourceVersion. */
  put(liveSync: string, uid: string, resourceVersion: string): Promise<void>;
  /**
   * Other processes read and write it too (a key-value bucket shared by synchronizer
   * replicas): reading it and then writing the destination is no longer one step, so the
   * synchronizer checks it again after a write and confirms a delete's "already gone".
   */
  readonly shared?: boolean;
}

/**
 * What a delete at `resourceVersion` writes over the tombstone `current`: the greater of the
 * two, or undefined when `current` already covers it (a delete never lowers a tombstone, so two
 * replicas raising it at once keep the greater whatever the order).
 */
export function raisedTombstone(
  current: string | undefined,
  resourceVersion: string,
): string | undefined {
  const next = maxResourceVersion(current, resourceVersion);
  return next === current ? undefined : next;
}

export class MemoryTombstones implements TombstoneStore {
  private readonly entries = new Map<string, { rv: string; at: number }>();

  constructor(
    private readonly ttlMs = 3_600_000,
    private readonly maxEntries = 100_000,
  ) {}

  async get(liveSync: string, uid: string): Promise<string | undefined> {
    const key = `${liveSync}/${uid}`;
    const e = this.entries.get(key);
    if (!e) return undefined;
    if (Date.now() - e.at > this.ttlMs) {
      this.entries.delete(key);
      return undefined;
    }
    return e.rv;
  }

  async put(liveSync: string, uid: string, resourceVersion: string): Promise<void> {
    const rv = maxResourceVersion(await this.get(liveSync, uid), resourceVersion);
    this.entries.set(`${liveSync}/${uid}`, { rv, at: Date.now() });
    if (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
  }
}
