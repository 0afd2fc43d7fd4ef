// Streaming AES-256-GCM for backup archives. A plain GCM stream would need the whole file
// before its tag can be checked; here the plaintext is cut into chunks, each sealed on its own:
//
//   header  "LSBKENC1" (8) | version 1 (1) | key id (8) | nonce prefix (8) | chunk size u32 BE (4)
//   chunks  ciphertext (chunk size bytes; the last one 0..chunk size) | GCM tag (16)
//
// The nonce of chunk i is the random per-file prefix followed by i as u32 BE (never reused
// under one key). Each chunk's additional data is the header plus one byte, 1 on the last
// chunk and 0 otherwise: a file cut at a chunk boundary or extended fails authentication.
// The key id is the first 8 bytes of sha256(key): a wrong key is named as such.
import { createCipheriv, createDecipheriv, createHash, randomBytes } from "node:crypto";
import { Transform, type TransformCallback } from "node:stream";

export const ENCRYPTION_MAGIC = Buffer.from("LSBKENC1", "latin1");
const VERSION = 1;
const HEADER_SIZE = 8 + 1 + 8 + 8 + 4;
const TAG_SIZE = 16;
export const DEFAULT_CHUNK_SIZE = 64 * 1024;
export const KEY_SIZE = 32;

/** An encrypted archive cannot be read: wrong key, truncated, altered or not ours. */
export class DecryptionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DecryptionError";
  }
}

/** First 8 bytes of sha256(key), hex: identifies a key without revealing it. */
export function keyId(key: Buffer): string {
  return createHash("sha256").update(key).digest().subarray(0, 8).toString("hex");
}

/** A key given as base64 text (a Secret's value, a key file). `where` names its origin. */
export function parseKey(base64: string, where: string): Buffer {
  const text = base64.trim();
  const key = Buffer.from(text, "base64");
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(text) || key.length !== KEY_SIZE) {
    throw new Error(
      `${where}: the encryption key must be ${KEY_SIZE} bytes, base64-encoded (got ${text ? `${key.length} bytes` : "nothing"}); make one with: openssl rand -base64 32`,
    );
  }
  return key;
}

/** True when bytes start like an encrypted archive. */
export const isEncrypted = (head: Buffer): boolean =>
  head.subarray(0, ENCRYPTION_MAGIC.length).equals(ENCRYPTION_MAGIC);

function nonce(prefix: Buffer, counter: number): Buffer {
  if (counter > 0xffffffff) throw new Error("archive too large to encrypt (2^32 chunks)");
  const n = Buffer.alloc(12);
  prefix.copy(n, 0);
  n.writeUInt32BE(counter, 8);
  return n;
}

const aad = (header: Buffer, last: boolean) => Buffer.concat([header, Buffer.from([last ? 1 : 0])]);

/** The header's size: what checkEncryptionHeader needs to read. */
export const ENCRYPTION_HEADER_SIZE = HEADER_SIZE;

/**
 * Throws a DecryptionError unless `head` (the file's first bytes) is a header this reader knows,
 * made with `key`: a wrong key is caught before any byte is decrypted.
 */
export function checkEncryptionHeader(head: Buffer, key: Buffer, what: string): void {
  if (head.length < HEADER_SIZE || !isEncrypted(head)) {
    throw new DecryptionError(`${what} is not a livesync encrypted archive`);
  }
  if (head.readUInt8(8) !== VERSION) {
    throw new DecryptionError(`${what}: encryption version ${head.readUInt8(8)} is unknown`);
  }
  const fileKeyId = head.subarray(9, 17).toString("hex");
  if (fileKeyId !== keyId(key)) {
    throw new DecryptionError(
      `${what} was encrypted with another key (key id ${fileKeyId}, given key ${keyId(key)})`,
    );
  }
}

/** Plaintext in, header + sealed chunks out. */
export class EncryptStream extends Transform {
  private readonly header: Buffer;
  private readonly prefix = randomBytes(8);
  private pending: Buffer[] = [];
  private pendingSize = 0;
  private counter = 0;

  constructor(
    private readonly key: Buffer,
    private readonly chunkSize = DEFAULT_CHUNK_SIZE,
  ) {
    super();
    if (key.length !== KEY_SIZE) throw new Error(`encryption key must be ${KEY_SIZE} bytes`);
    this.header = Buffer.alloc(HEADER_SIZE);
    ENCRYPTION_MAGIC.copy(this.header, 0);
    this.header.writeUInt8(VERSION, 8);
    Buffer.from(keyId(key), "hex").copy(this.header, 9);
    this.prefix.copy(this.header, 17);
    this.header.writeUInt32BE(chunkSize, 25);
    this.push(this.header);
  }

  private seal(plain: Buffer, last: boolean): Buffer {
    const cipher = createCipheriv("aes-256-gcm", this.key, nonce(this.prefix, this.counter++));
    cipher.setAAD(aad(this.header, last));
    return Buffer.concat([cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.pending.push(chunk);
    this.pendingSize += chunk.length;
    // Seal a full chunk only once a byte beyond it exists: the last chunk must be flagged.
    if (this.pendingSize > this.chunkSize) {
      let buf = Buffer.concat(this.pending);
      while (buf.length > this.chunkSize) {
        this.push(this.seal(buf.subarray(0, this.chunkSize), false));
        buf = buf.subarray(this.chunkSize);
      }
      this.pending = [buf];
      this.pendingSize = buf.length;
    }
    done();
  }

  override _flush(done: TransformCallback): void {
    this.push(this.seal(Buffer.concat(this.pending), true));
    done();
  }
}

/** Header + sealed chunks in, plaintext out; any tampering, truncation or wrong key throws. */
export class DecryptStream extends Transform {
  private header?: Buffer;
  private prefix = Buffer.alloc(0);
  private sealedSize = 0;
  private buffered: Buffer = Buffer.alloc(0);
  private counter = 0;

  constructor(
    private readonly key: Buffer,
    private readonly what = "encrypted archive",
  ) {
    super();
  }

  private readHeader(): void {
    const h = this.buffered.subarray(0, HEADER_SIZE);
    checkEncryptionHeader(h, this.key, this.what);
    this.header = Buffer.from(h);
    this.prefix = Buffer.from(h.subarray(17, 25));
    this.sealedSize = h.readUInt32BE(25) + TAG_SIZE;
    this.buffered = this.buffered.subarray(HEADER_SIZE);
  }

  private open(sealed: Buffer, last: boolean): Buffer {
    const at = this.counter;
    const decipher = createDecipheriv("aes-256-gcm", this.key, nonce(this.prefix, this.counter++));
    decipher.setAAD(aad(this.header!, last));
    decipher.setAuthTag(sealed.subarray(sealed.length - TAG_SIZE));
    try {
      return Buffer.concat([
        decipher.update(sealed.subarray(0, sealed.length - TAG_SIZE)),
        decipher.final(),
      ]);
    } catch {
      throw new DecryptionError(
        `${this.what}: chunk ${at} fails authentication (${last ? "the file is truncated or " : ""}its bytes were altered)`,
      );
    }
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    try {
      this.buffered = this.buffered.length ? Buffer.concat([this.buffered, chunk]) : chunk;
      if (!this.header && this.buffered.length >= HEADER_SIZE) this.readHeader();
      // A full chunk followed by more bytes is not the last one.
      while (this.header && this.buffered.length > this.sealedSize) {
        this.push(this.open(this.buffered.subarray(0, this.sealedSize), false));
        this.buffered = this.buffered.subarray(this.sealedSize);
      }
      done();
    } catch (err) {
      done(err as Error);
    }
  }

  override _flush(done: TransformCallback): void {
    try {
      if (!this.header) {
        throw new DecryptionError(`${this.what} is truncated (no complete header)`);
      }
      if (this.buffered.length < TAG_SIZE) {
        throw new DecryptionError(`${this.what} is truncated (last chunk incomplete)`);
      }
      this.push(this.open(this.buffered, true));
      done();
    } catch (err) {
      done(err as Error);
    }
  }
}
