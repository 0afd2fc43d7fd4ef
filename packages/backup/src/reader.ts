// Reading a backup back: its Backup, its index, and its objects streamed with every file's
// sha256 checked against the index.
//
// index.json is the tarball's last file. From a bucket, the plain index.json and backup.json
// beside the archive are read first and the archive is streamed once. From a local file, the
// tarball is read twice: a first pass finds backup.json and index.json (object bodies are read
// and dropped), the second streams the objects. Twice the reading, but memory never holds more
// than one object, and nothing is unpacked to disk.
import { createReadStream } from "node:fs";
import { open } from "node:fs/promises";
import type { Readable } from "node:stream";
import type { Backup, KubeObject } from "@livesync/api";
import { sha256Hex } from "./digest.js";
import {
  BACKUP_FILES,
  BackupIntegrityError,
  UnsupportedFormatError,
  isReadableFormat,
  type BackupArchive,
  type BackupIndex,
  type BackupIndexEntry,
  type BackupItem,
} from "./format.js";
import { isEncrypted } from "./encryption.js";
import { readTarball } from "./tarball.js";

export interface OpenOptions {
  /** The 32-byte key of an encrypted archive. */
  key?: Buffer;
}

/** "configmaps shop/settings" (the object a message is about). */
export const describeEntry = (
  e: Pick<BackupIndexEntry, "group" | "resource" | "namespace" | "name">,
) =>
  `${e.group ? `${e.resource}.${e.group}` : e.resource} ${e.namespace ? `${e.namespace}/` : ""}${e.name}`;

/** Parses index.json; throws BackupIntegrityError when unreadable, UnsupportedFormatError when too new. */
export function parseIndex(text: string, where: string): BackupIndex {
  let index: BackupIndex;
  try {
    index = JSON.parse(text) as BackupIndex;
  } catch (err) {
    throw new BackupIntegrityError(
      `${where}: index.json is not valid JSON (${(err as Error).message})`,
    );
  }
  if (typeof index?.format !== "string" || !Array.isArray(index.items)) {
    throw new BackupIntegrityError(`${where}: index.json has no format or items`);
  }
  if (!isReadableFormat(index.format)) throw new UnsupportedFormatError(index.format);
  return index;
}

export function parseBackup(text: string, where: string): Backup {
  try {
    return JSON.parse(text) as Backup;
  } catch (err) {
    throw new BackupIntegrityError(
      `${where}: backup.json is not valid JSON (${(err as Error).message})`,
    );
  }
}

/**
 * The objects of an archive stream, each checked against the index. A file the index does not
 * list, a digest that differs, or an indexed object missing at the end throws naming it.
 */
export async function* checkedItems(
  source: Readable,
  index: BackupIndex,
  opts: OpenOptions & { what: string },
): AsyncGenerator<BackupItem> {
  const byPath = new Map(index.items.map((e) => [e.path, e]));
  const seen = new Set<string>();
  for await (const file of readTarball(source, opts)) {
    if (!file.name.startsWith("resources/")) continue;
    const entry = byPath.get(file.name);
    if (!entry) throw new BackupIntegrityError(`${opts.what}: ${file.name} is not in the index`);
    const actual = sha256Hex(file.bytes);
    if (actual !== entry.sha256) {
      throw new BackupIntegrityError(
        `${opts.what}: ${describeEntry(entry)} (${entry.path}) does not match the index: sha256 ${actual}, expected ${entry.sha256}`,
        entry,
      );
    }
    seen.add(entry.path);
    yield { entry, object: JSON.parse(file.bytes.toString("utf8")) as KubeObject };
  }
  const missing = index.items.find((e) => !seen.has(e.path));
  if (missing) {
    throw new BackupIntegrityError(
      `${opts.what}: ${describeEntry(missing)} (${missing.path}) is in the index but not in the archive`,
      missing,
    );
  }
}

/** True when the file starts like an encrypted archive. */
export async function isEncryptedFile(path: string): Promise<boolean> {
  const file = await open(path, "r");
  try {
    const head = Buffer.alloc(16);
    const { bytesRead } = await file.read(head, 0, head.length, 0);
    return isEncrypted(head.subarray(0, bytesRead));
  } finally {
    await file.close();
  }
}

/** Opens a local archive (plain, or encrypted and opts.key given). */
export async function openBackupFromFile(
  path: string,
  opts: OpenOptions = {},
): Promise<BackupArchive> {
  if (!opts.key && (await isEncryptedFile(path))) {
    throw new Error(`${path} is encrypted: give its key (the Backup's encryption Secret)`);
  }
  let indexText: string | undefined;
  let backupText: string | undefined;
  for await (const file of readTarball(createReadStream(path), { ...opts, what: path })) {
    if (file.name === BACKUP_FILES.index) indexText = file.bytes.toString("utf8");
    if (file.name === BACKUP_FILES.backup) backupText = file.bytes.toString("utf8");
  }
  if (indexText === undefined)
    throw new BackupIntegrityError(`${path}: the archive has no index.json`);
  if (backupText === undefined)
    throw new BackupIntegrityError(`${path}: the archive has no backup.json`);
  const index = parseIndex(indexText, path);
  const backup = parseBackup(backupText, path);
  return {
    backup,
    index,
    items: () => checkedItems(createReadStream(path), index, { ...opts, what: path }),
  };
}
