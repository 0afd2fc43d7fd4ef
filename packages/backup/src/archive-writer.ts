// What every BackupWriter does whatever the destination: objects become JSON files at their
// itemPath, their digests are kept for the index, and results.json, backup.json and index.json
// close the tarball (index last: it carries every other file's digest).
import type { Backup, KubeObject } from "@livesync/api";
import { sha256Hex } from "./digest.js";
import {
  BACKUP_FILES,
  BACKUP_FORMAT_VERSION,
  itemPath,
  type BackupIndex,
  type BackupIndexEntry,
  type BackupResults,
  type StoredArchive,
} from "./format.js";
import type { StoredBytes, TarballWriter } from "./tarball.js";

/** How a JSON file of a backup is written: indented for people, one trailing newline. */
export const jsonBytes = (value: unknown): Buffer =>
  Buffer.from(`${JSON.stringify(value, null, 2)}\n`, "utf8");

const BAD_SEGMENT = /^\.{0,2}$|\//;

/** The index entry of an object, or a clear error when its names cannot make a path. */
export function indexEntry(
  ref: Omit<BackupIndexEntry, "path" | "sha256">,
  bytes: Buffer,
): BackupIndexEntry {
  for (const [what, value] of [
    ["name", ref.name],
    ["namespace", ref.namespace ?? "x"],
    ["version", ref.version],
    ["resource", ref.resource],
  ] as const) {
    if (BAD_SEGMENT.test(value)) {
      throw new Error(
        `${ref.resource} ${ref.namespace ? `${ref.namespace}/` : ""}${ref.name}: ${what} ${JSON.stringify(value)} cannot be a path segment`,
      );
    }
  }
  return { ...ref, path: itemPath(ref), sha256: sha256Hex(bytes) };
}

/** The Backup as stored: status completed with where and how its archive was stored. */
export function withStoredStatus(
  backup: Backup,
  stored: Partial<StoredArchive> & Pick<StoredArchive, "location" | "encrypted">,
): Backup {
  return {
    ...backup,
    status: { ...backup.status, formatVersion: BACKUP_FORMAT_VERSION, ...stored },
  };
}

/**
 * index.json's text: the header fields indented, then one object per line, so the index of a
 * large backup is kept as compact strings while it is written (and greps well).
 */
export function indexText(header: Omit<BackupIndex, "items">, itemLines: string[]): string {
  const head = JSON.stringify(header, null, 2).replace(/\n}$/, "");
  const items = itemLines.length ? `\n    ${itemLines.join(",\n    ")}\n  ` : "";
  return `${head},\n  "items": [${items}]\n}\n`;
}

export interface FinishedArchive {
  /** index.json's exact bytes (the bucket keeps a plain copy of the same bytes). */
  indexBytes: Buffer;
  stored: StoredBytes;
}

export class ArchiveBuilder {
  /** The index entries as JSON text: a third of the memory of the objects. */
  private readonly itemLines: string[] = [];
  private readonly paths = new Set<string>();

  constructor(private readonly tarball: TarballWriter) {}

  get count(): number {
    return this.itemLines.length;
  }

  async add(ref: Omit<BackupIndexEntry, "path" | "sha256">, object: KubeObject): Promise<void> {
    const bytes = jsonBytes(object);
    const entry = indexEntry(ref, bytes);
    if (this.paths.has(entry.path)) throw new Error(`${entry.path} is already in the backup`);
    this.paths.add(entry.path);
    this.itemLines.push(JSON.stringify(entry));
    await this.tarball.addFile(entry.path, bytes);
  }

  /**
   * Writes results.json, backup.json and index.json and closes the tarball. The backup.json
   * inside cannot hold the archive's own sha256 and size (they depend on these very bytes):
   * the copy stored next to the archive has them.
   */
  async finish(
    base: Omit<BackupIndex, "items">,
    backupInside: Backup,
    results: BackupResults,
  ): Promise<FinishedArchive> {
    const files: Record<string, string> = {};
    for (const [name, value] of [
      [BACKUP_FILES.results, results],
      [BACKUP_FILES.backup, backupInside],
    ] as const) {
      const bytes = jsonBytes(value);
      files[name] = sha256Hex(bytes);
      await this.tarball.addFile(name, bytes);
    }
    const header: Partial<BackupIndex> = { ...base, format: BACKUP_FORMAT_VERSION, files };
    delete header.items; // the objects added are the index, whatever the caller passed
    const indexBytes = Buffer.from(
      indexText(header as Omit<BackupIndex, "items">, this.itemLines),
      "utf8",
    );
    await this.tarball.addFile(BACKUP_FILES.index, indexBytes);
    return { indexBytes, stored: await this.tarball.close() };
  }
}
