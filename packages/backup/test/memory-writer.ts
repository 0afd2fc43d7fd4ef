// A BackupWriter that keeps the backup in memory (or only counts it): for tests that check what
// runBackup hands over, before any archive format is involved.

import { createHash } from "node:crypto";
import type { Backup, KubeObject } from "@livesync/api";
import {
  itemPath,
  type BackupIndex,
  type BackupIndexEntry,
  type BackupResults,
  type BackupWriter,
  type StoredArchive,
} from "../src/index.js";

export class MemoryWriter implements BackupWriter {
  items: { entry: BackupIndexEntry; object: KubeObject }[] = [];
  finished?: { index: Omit<BackupIndex, "items">; backup: Backup; results: BackupResults };
  aborted = false;
  resets = 0;
  added = 0;
  /** Runs before each add (slows the backup down, or acts in the middle of it). */
  beforeAdd?: (n: number, entry: Omit<BackupIndexEntry, "path" | "sha256">) => unknown;
  reset?: () => Promise<void> = async () => {
    this.items = [];
    this.resets++;
  };

  /** keep: false only counts and hashes (memory tests); withReset: false has no reset(). */
  constructor(opts: { keep?: boolean; withReset?: boolean } = {}) {
    this.keep = opts.keep ?? true;
    if (opts.withReset === false) this.reset = undefined;
  }
  private readonly keep: boolean;

  async add(entry: Omit<BackupIndexEntry, "path" | "sha256">, object: KubeObject): Promise<void> {
    await this.beforeAdd?.(++this.added, entry);
    const sha256 = createHash("sha256").update(JSON.stringify(object)).digest("hex");
    if (this.keep) this.items.push({ entry: { ...entry, path: itemPath(entry), sha256 }, object });
  }

  async finish(
    index: Omit<BackupIndex, "items">,
    backup: Backup,
    results: BackupResults,
  ): Promise<StoredArchive> {
    this.finished = { index, backup, results };
    return { location: "memory://", sha256: "0".repeat(64), size: 0, encrypted: false };
  }

  async abort(): Promise<void> {
    this.aborted = true;
    this.items = [];
  }

  /** The stored object of a resource, namespace and name. */
  find(resource: string, namespace: string | undefined, name: string): KubeObject | undefined {
    return this.items.find(
      (i) =>
        i.entry.resource === resource && i.entry.namespace === namespace && i.entry.name === name,
    )?.object;
  }
}
