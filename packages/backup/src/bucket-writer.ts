// A backup written to a Bucket: the archive is streamed as a multipart upload while the
// snapshot runs, then index.json, results.json and backup.json are PUT beside it. backup.json
// goes last: its presence is what makes a backup complete (listing skips folders without it).
import { PassThrough } from "node:stream";
import type { Backup, KubeObject } from "@livesync/api";
import type { BucketClient } from "@livesync/bucket";
import { ArchiveBuilder, jsonBytes, withStoredStatus } from "./archive-writer.js";
import type { ArchiveWriterOptions } from "./file-writer.js";
import {
  BACKUP_FILES,
  backupFileKey,
  type BackupIndex,
  type BackupIndexEntry,
  type BackupResults,
  type BackupWriter,
  type StoredArchive,
} from "./format.js";
import { TarballWriter } from "./tarball.js";

/** A Bucket CR's place in its S3 bucket: keys live under <bucketNamespace>/<bucketName>/. */
export interface BucketTarget {
  client: BucketClient;
  bucketNamespace: string;
  bucketName: string;
}

/** The archive's file name in the bucket folder. */
export const archiveFileName = (encrypted: boolean) =>
  encrypted ? BACKUP_FILES.encryptedArchive : BACKUP_FILES.archive;

/**
 * Starts writing backup `name`; refuses (nothing written) when the bucket already holds a backup
 * of that name, and fails with the bucket's own error when it is unreachable.
 */
export async function openBucketBackupWriter(
  target: BucketTarget,
  name: string,
  opts: ArchiveWriterOptions = {},
): Promise<BackupWriter> {
  const key = (file: string) =>
    backupFileKey(target.bucketNamespace, target.bucketName, name, file);
  if (await target.client.head(key(BACKUP_FILES.backup))) {
    throw new Error(
      `backup ${name} already exists in ${target.client.label} (${key(BACKUP_FILES.backup)})`,
    );
  }
  return new BucketBackupWriter(target, key, opts);
}

class BucketBackupWriter implements BackupWriter {
  private readonly tarball: TarballWriter;
  private readonly builder: ArchiveBuilder;
  private readonly uploading: Promise<void>;
  private readonly archiveKey: string;

  constructor(
    private readonly target: BucketTarget,
    private readonly key: (file: string) => string,
    private readonly opts: ArchiveWriterOptions,
  ) {
    const body = new PassThrough();
    this.archiveKey = key(archiveFileName(!!opts.key));
    this.uploading = target.client.upload(this.archiveKey, body, "application/gzip");
    // A failed upload stops reading the body: fail the tarball rather than let it wait.
    this.uploading.catch((err: Error) => body.destroy(err));
    this.tarball = new TarballWriter(body, opts);
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
    const where = {
      location: `s3://${this.target.client.bucket}/${this.archiveKey}`,
      encrypted: !!this.opts.key,
    };
    try {
      const inside = withStoredStatus(backup, where);
      const { indexBytes, stored } = await this.builder.finish(index, inside, results);
      await this.uploading;
      const put = (file: string, body: string) => this.target.client.put(this.key(file), body, {});
      await put(BACKUP_FILES.index, indexBytes.toString("utf8"));
      await put(BACKUP_FILES.results, jsonBytes(results).toString("utf8"));
      const archive: StoredArchive = { ...where, ...stored };
      await put(BACKUP_FILES.backup, jsonBytes(withStoredStatus(backup, archive)).toString("utf8"));
      return archive;
    } catch (err) {
      await this.abort();
      throw err;
    }
  }

  async abort(): Promise<void> {
    await this.tarball.destroy();
    await this.uploading.catch(() => undefined);
    const prefix = this.key("");
    await this.target.client.deletePrefix(prefix).catch(() => undefined);
  }
}
