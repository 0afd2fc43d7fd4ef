// A backup archive as a stream: gzip'd POSIX tar, optionally encrypted. Writing goes
// tar -> gzip -> [encrypt] -> digest -> sink, one file at a time with backpressure, so memory
// stays flat however many files there are. Reading undoes the same layers.
import { pipeline } from "node:stream/promises";
import type { Readable, Writable } from "node:stream";
import { createGunzip, createGzip } from "node:zlib";
import tar from "tar-stream";
import { DigestStream, sha256Hex } from "./digest.js";
import { DecryptStream, EncryptStream } from "./encryption.js";
import { BackupIntegrityError } from "./format.js";

/**
 * PAX keyword of a file's sha256. An extended attribute keyword: GNU tar and bsdtar read it
 * silently (and restore it as user.livesync.sha256 with --xattrs).
 */
export const SHA256_PAX_KEY = "SCHILY.xattr.user.livesync.sha256";

export interface StoredBytes {
  /** sha256 of the bytes the sink received (encrypted bytes when encrypted). */
  sha256: string;
  size: number;
}

export interface TarballOptions {
  /** AES-256-GCM key: the archive is encrypted when given. */
  key?: Buffer;
  /** Modification time of every file (the snapshot's time: the same backup, the same tar). */
  mtime?: Date;
}

export class TarballWriter {
  private readonly pack = tar.pack();
  private readonly digest = new DigestStream();
  private readonly done: Promise<void>;
  /** Rejects when the pipeline ends: an entry waiting on a dead sink must not wait forever. */
  private readonly stopped: Promise<never>;
  private failure?: Error;

  constructor(
    sink: Writable,
    private readonly opts: TarballOptions = {},
  ) {
    const layers = opts.key ? [new EncryptStream(opts.key)] : [];
    this.done = pipeline([
      this.pack as unknown as Readable,
      createGzip(),
      ...layers,
      this.digest,
      sink,
    ]);
    this.done.catch((err: Error) => (this.failure ??= err));
    this.stopped = this.done.then(() => {
      throw new Error("archive already closed");
    });
    this.stopped.catch(() => undefined);
  }

  /**
   * Adds one file; resolves once the tar has taken it (backpressure from the sink). Its sha256
   * also goes into its own PAX header: a reader of a damaged archive, which never reaches the
   * index at the end, still tells which file changed.
   */
  async addFile(name: string, bytes: Buffer): Promise<void> {
    if (this.failure) throw this.failure;
    const pax = { [SHA256_PAX_KEY]: sha256Hex(bytes) };
    await Promise.race([
      new Promise<void>((resolve, reject) =>
        this.pack.entry(
          { name, size: bytes.length, mtime: this.opts.mtime, mode: 0o644, pax },
          bytes,
          (err) => (err ? reject(err) : resolve()),
        ),
      ),
      this.stopped,
    ]);
  }

  /** Ends the tar and waits until the sink has every byte. */
  async close(): Promise<StoredBytes> {
    if (this.failure) throw this.failure;
    this.pack.finalize();
    await this.done;
    return { sha256: this.digest.sha256, size: this.digest.size };
  }

  /** Stops writing; the sink is destroyed with the error. */
  async destroy(reason = new Error("backup aborted")): Promise<void> {
    this.pack.destroy(reason);
    await this.done.catch(() => undefined);
  }
}

export interface TarFile {
  name: string;
  bytes: Buffer;
  /** The sha256 its PAX header records, when it has one. */
  sha256?: string;
}

/**
 * An archive could not be read to its end (corrupt gzip, tar, or failed decryption): an
 * integrity error like a digest mismatch, for callers that tell those apart.
 */
export class ArchiveReadError extends BackupIntegrityError {
  constructor(
    message: string,
    /** The file being read when it failed, if any. */
    readonly during?: string,
    /** The last file read whole before it failed. */
    readonly after?: string,
    /** What was read of `during` (a corrupt gzip trailer fails once a file's bytes are out). */
    readonly partial?: Buffer,
  ) {
    super(message);
    this.name = "ArchiveReadError";
  }
}

/**
 * Every file of an archive, in order. Each file is held in memory on its own (one object's
 * JSON); the archive as a whole never is. A broken stream throws an ArchiveReadError saying
 * where in the archive it broke.
 */
export async function* readTarball(
  source: Readable,
  opts: { key?: Buffer; what?: string } = {},
): AsyncGenerator<TarFile> {
  const extract = tar.extract();
  const layers = opts.key ? [new DecryptStream(opts.key, opts.what)] : [];
  const feeding = pipeline([source, ...layers, createGunzip(), extract as unknown as Writable]);
  let failure: unknown;
  feeding.catch((err: unknown) => (failure ??= err));
  let during: string | undefined;
  let after: string | undefined;
  let chunks: Buffer[] = [];
  try {
    for await (const entry of extract) {
      during = entry.header.name;
      chunks = [];
      for await (const chunk of entry) chunks.push(chunk as Buffer);
      during = undefined;
      if (entry.header.type !== "file") continue;
      after = entry.header.name;
      const sha256 = (entry.header.pax as Record<string, string> | undefined)?.[SHA256_PAX_KEY];
      yield { name: entry.header.name, bytes: Buffer.concat(chunks), sha256 };
    }
    await feeding;
  } catch (err) {
    const cause = (failure ?? err) as Error;
    const where = during ? ` while reading ${during}` : after ? ` after ${after}` : "";
    throw new ArchiveReadError(
      `${opts.what ? `${opts.what}: ` : ""}the archive is unreadable${where}: ${cause.message}`,
      during,
      after,
      during ? Buffer.concat(chunks) : undefined,
    );
  } finally {
    if (!source.destroyed) source.destroy();
  }
}
