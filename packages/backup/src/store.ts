// The backups one Bucket holds, under <bucket namespace>/<bucket name>/backups/<backup>/. The
// bucket is the source of truth: a backup exists when its backup.json does (written last).
import { createWriteStream } from "node:fs";
import { rename, rm } from "node:fs/promises";
import { pipeline } from "node:stream/promises";
import { namespaceOf, type Backup, type Bucket, type Restore, type Secret } from "@livesync/api";
import { bucketClientFromSpec, bucketCredentials } from "@livesync/bucket";
import { archiveFileName, openBucketBackupWriter, type BucketTarget } from "./bucket-writer.js";
import { DigestStream } from "./digest.js";
import { checkEncryptionHeader, ENCRYPTION_HEADER_SIZE, parseKey } from "./encryption.js";
import { archiveFilePaths, writeSidecar } from "./file-writer.js";
import {
  BACKUP_FILES,
  backupFileKey,
  backupsPrefix,
  restoreFileKey,
  type BackupArchive,
  type BackupIndex,
  type BackupResults,
  type BackupWriter,
  type StoredArchive,
} from "./format.js";
import { checkedItems, parseBackup, parseIndex, type OpenOptions } from "./reader.js";

/** No backup of that name in the bucket. */
export class BackupNotFoundError extends Error {
  constructor(
    readonly backup: string,
    where: string,
  ) {
    super(`backup ${backup} not found in ${where}`);
    this.name = "BackupNotFoundError";
  }
}

export class BackupStore {
  constructor(readonly target: BucketTarget) {}

  /** The store of a Bucket CR, its credentials read from its Secret among `secrets`. */
  static forBucket(bucket: Bucket, secrets: Secret[]): BackupStore {
    const ns = namespaceOf(bucket);
    const secret = secrets.find(
      (s) => namespaceOf(s) === ns && s.metadata.name === bucket.spec.secretName,
    );
    const client = bucketClientFromSpec(bucket, bucketCredentials(bucket, secret));
    return new BackupStore({ client, bucketNamespace: ns, bucketName: bucket.metadata.name });
  }

  get label(): string {
    return this.target.client.label;
  }

  /** Throws a clear error when the bucket cannot be reached with its credentials. */
  check(): Promise<void> {
    return this.target.client.check();
  }

  /**
   * Starts writing backup `name` (refused when the bucket already holds one of that name);
   * `encryptionKey`: the key, or its base64 text as the encryption Secret holds it.
   */
  openWriter(name: string, encryptionKey?: Buffer | string): Promise<BackupWriter> {
    const key =
      typeof encryptionKey === "string"
        ? parseKey(encryptionKey, `the encryption key of backup ${name}`)
        : encryptionKey;
    return openBucketBackupWriter(this.target, name, { key });
  }

  key(backup: string, file: string): string {
    return backupFileKey(this.target.bucketNamespace, this.target.bucketName, backup, file);
  }

  private async getJson(backup: string, file: string): Promise<string | undefined> {
    return this.target.client.get(this.key(backup, file));
  }

  /** Every complete backup (a folder without backup.json is one being written or aborted). */
  async list(): Promise<Backup[]> {
    const prefix = backupsPrefix(this.target.bucketNamespace, this.target.bucketName);
    const names = (await this.target.client.list(prefix))
      .map((k) => k.slice(prefix.length).split("/"))
      .filter((parts) => parts.length === 2 && parts[1] === BACKUP_FILES.backup)
      .map((parts) => parts[0]!);
    const backups: Backup[] = [];
    // A few GETs at a time: a bucket may hold hundreds of backups.
    for (let i = 0; i < names.length; i += 8) {
      const got = await Promise.all(names.slice(i, i + 8).map((name) => this.get(name)));
      for (const backup of got) if (backup) backups.push(backup);
    }
    const time = (b: Backup) => b.status?.startTime ?? b.metadata.creationTimestamp ?? "";
    return backups.sort(
      (a, b) => time(a).localeCompare(time(b)) || a.metadata.name.localeCompare(b.metadata.name),
    );
  }

  async get(name: string): Promise<Backup | undefined> {
    const text = await this.getJson(name, BACKUP_FILES.backup);
    return text === undefined ? undefined : parseBackup(text, this.key(name, BACKUP_FILES.backup));
  }

  /** The Backup, or BackupNotFoundError naming the bucket. */
  async require(name: string): Promise<Backup> {
    const backup = await this.get(name);
    if (!backup) throw new BackupNotFoundError(name, this.label);
    return backup;
  }

  async index(name: string): Promise<BackupIndex | undefined> {
    const text = await this.getJson(name, BACKUP_FILES.index);
    return text === undefined ? undefined : parseIndex(text, this.key(name, BACKUP_FILES.index));
  }

  async results(name: string): Promise<BackupResults | undefined> {
    const text = await this.getJson(name, BACKUP_FILES.results);
    return text === undefined ? undefined : (JSON.parse(text) as BackupResults);
  }

  /** Deletes every file of the backup (complete or not); returns how many were deleted. */
  async delete(name: string): Promise<number> {
    return this.target.client.deletePrefix(this.key(name, ""));
  }

  private archiveKey(backup: Backup): string {
    return this.key(backup.metadata.name, archiveFileName(backup.status?.encrypted === true));
  }

  /** Opens a backup for reading: index and backup.json from the bucket, objects streamed. */
  async open(name: string, opts: OpenOptions = {}): Promise<BackupArchive> {
    const backup = await this.require(name);
    if (backup.status?.encrypted && !opts.key) {
      throw new Error(`backup ${name} is encrypted: give its key (the Backup's encryption Secret)`);
    }
    const index = await this.index(name);
    if (!index) throw new BackupNotFoundError(`${name} (its index.json)`, this.label);
    const key = this.archiveKey(backup);
    const what = `${this.label}: ${key}`;
    if (opts.key) await this.checkKey(key, opts.key, what);
    return {
      backup,
      index,
      items: async function* (this: BackupStore) {
        const body = await this.target.client.getStream(key);
        if (!body) throw new BackupNotFoundError(`${name} (its archive ${key})`, this.label);
        yield* checkedItems(body, index, { ...opts, what });
      }.bind(this),
    };
  }

  /** A wrong key fails here, from the archive's header, rather than once objects are read. */
  private async checkKey(archiveKey: string, key: Buffer, what: string): Promise<void> {
    const body = await this.target.client.getStream(archiveKey);
    if (!body) throw new BackupNotFoundError(`(its archive ${archiveKey})`, this.label);
    const chunks: Buffer[] = [];
    let size = 0;
    try {
      for await (const chunk of body) {
        chunks.push(chunk as Buffer);
        size += (chunk as Buffer).length;
        if (size >= ENCRYPTION_HEADER_SIZE) break;
      }
    } finally {
      body.destroy();
    }
    checkEncryptionHeader(Buffer.concat(chunks), key, what);
  }

  /**
   * Downloads the stored archive as it is (an encrypted one stays encrypted) to path, checks it
   * against the sha256 recorded in backup.json, and writes the path.sha256 sidecar.
   */
  async exportTo(name: string, path: string): Promise<StoredArchive> {
    const { target, temp } = archiveFilePaths(path);
    const backup = await this.require(name);
    const key = this.archiveKey(backup);
    const body = await this.target.client.getStream(key);
    if (!body) throw new BackupNotFoundError(`${name} (its archive ${key})`, this.label);
    const digest = new DigestStream();
    try {
      await pipeline(body, digest, createWriteStream(temp, { flags: "wx" }));
      const expected = backup.status?.sha256;
      if (expected && digest.sha256 !== expected) {
        throw new Error(
          `${this.label}: ${key} does not match its recorded sha256 (got ${digest.sha256}, backup.json says ${expected})`,
        );
      }
      await rename(temp, target);
    } finally {
      await rm(temp, { force: true });
    }
    await writeSidecar(target, digest.sha256);
    return {
      location: target,
      sha256: digest.sha256,
      size: digest.size,
      encrypted: backup.status?.encrypted === true,
    };
  }

  async putRestoreFile(restore: Restore | string, file: string, body: string): Promise<void> {
    await this.target.client.put(this.restoreKey(restore, file), body, {});
  }

  async getRestoreFile(restore: Restore | string, file: string): Promise<string | undefined> {
    return this.target.client.get(this.restoreKey(restore, file));
  }

  private restoreKey(restore: Restore | string, file: string): string {
    const name = typeof restore === "string" ? restore : restore.metadata.name;
    return restoreFileKey(this.target.bucketNamespace, this.target.bucketName, name, file);
  }

  close(): void {
    this.target.client.close();
  }
}

/** A backup in a bucket, opened for reading. */
export function openBackupFromBucket(
  store: BackupStore,
  name: string,
  opts: OpenOptions = {},
): Promise<BackupArchive> {
  return store.open(name, opts);
}
