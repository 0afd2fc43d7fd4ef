/**
 * Remembers deletes (liveSync + source uid -> resourceVersion) so that an older ADDED/MODIFIED
 * delivered after the DELETED cannot resurrect the object. Bounded and time-limited: the window
 * only has to outlive redelivery and in-flight reordering.
 */
export interface TombstoneStore {
  get(liveSync: string, uid: string): Promise<string | undefined>;
  put(liveSync: string, uid: string, resourceVersion: string): Promise<void>;
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
    this.entries.set(`${liveSync}/${uid}`, { rv: resourceVersion, at: Date.now() });
    if (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
  }
}
