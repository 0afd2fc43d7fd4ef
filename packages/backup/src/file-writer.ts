// A backup written to a local file: a temporary name in the same directory, renamed on finish
// (a reader never sees half an archive), plus the PATH.sha256 sidecar of the stored bytes.
import { randomBytes } from "node:crypto";
import { createWriteStream, existsSync, statSync } from "node:fs";
import { rename, rm, writeFile } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import type { Backup, KubeObject } from "@livesync/api";
import { ArchiveBuilder, withStoredStatus } from "./archive-writer.js";
import { sha256SumLine } from "./digest.js";
import type {
  BackupIndex,
  BackupIndexEntry,
  BackupResults,
  BackupWriter,
  StoredArchive,
} from "./format.js";
import { TarballWriter } from "./tarball.js";

export interface ArchiveWriterOptions {
  /** Encrypts the archive (AES-256-GCM) with this 32-byte key. */
  key?: Buffer;
  /** Modification time of the archive's files (default: now). */
  mtime?: Date;
}

/** PATH.sha256: the sha256sum line of the stored file. */
export const sidecarPath = (path: string) => `${path}.sha256`;

export async function writeSidecar(path: string, sha256: string): Promise<void> {
  await writeFile(sidecarPath(path), sha256SumLine(sha256, basename(path)));
}

/**
 * Where an archive for `path` is written before it is renamed to it (same directory, so the
 * rename is atomic); throws naming the path when its directory is missing.
 */
export function archiveFilePaths(path: string): { target: string; temp: string } {
  const target = resolve(path);
  const dir = dirname(target);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new Error(`cannot write ${path}: directory ${dir} does not exist`);
  }
  if (existsSync(target) && statSync(target).isDirectory()) {
    throw new Error(`cannot write ${path}: it is a directory`);
  }
  return {
    target,
    temp: join(dir, `.${basename(target)}.partial-${randomBytes(4).toString("hex")}`),
  };
}

/** Opens PATH.tgz for writing; throws naming the path when its directory is missing. */
export function openFileBackupWriter(path: string, opts: ArchiveWriterOptions = {}): BackupWriter {
  const { target, temp } = archiveFilePaths(path);
  return new FileBackupWriter(target, temp, opts);
}

class FileBackupWriter implements BackupWriter {
  private readonly tarball: TarballWriter;
  private readonly builder: ArchiveBuilder;

  constructor(
    private readonly target: string,
    private readonly temp: string,
    private readonly opts: ArchiveWriterOptions,
  ) {
    this.tarball = new TarballWriter(createWriteStream(temp, { flags: "wx" }), opts);
    this.builder = new ArchiveBuilder(this.tarball);
  }

  add(entry: Omit<BackupIndexEntry, "path" | "sha256">, object: KubeObject): Promise<void> {
    return this.builder.add(entry, object);
  }

  async finish(
    index: Omit<BackupIndex, "items">,
    backup: Backup,
    results: BackupResults,
  ): Promise<StoredArchive> {
    const where = { location: this.target, encrypted: !!this.opts.key };
    try {
      const { stored } = await this.builder.finish(index, withStoredStatus(backup, where), results);
      await rename(this.temp, this.target);
      await writeSidecar(this.target, stored.sha256);
      return { ...where, ...stored };
    } catch (err) {
      await this.abort();
      throw err;
    }
  }

  async abort(): Promise<void> {
    await this.tarball.destroy();
    await rm(this.temp, { force: true });
  }
}
