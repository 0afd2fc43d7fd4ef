// sha256 and size of bytes as they stream past, and the sha256sum sidecar format. Pure.
import { createHash, type Hash } from "node:crypto";
import { Transform, type TransformCallback } from "node:stream";

export const sha256Hex = (bytes: Buffer | string): string =>
  createHash("sha256").update(bytes).digest("hex");

/** Passes bytes through unchanged, hashing and counting them. */
export class DigestStream extends Transform {
  private readonly hash: Hash = createHash("sha256");
  private bytes = 0;
  private hex?: string;

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.hash.update(chunk);
    this.bytes += chunk.length;
    done(null, chunk);
  }

  /** The digest of everything that went through; call once the stream has ended. */
  get sha256(): string {
    this.hex ??= this.hash.digest("hex");
    return this.hex;
  }

  get size(): number {
    return this.bytes;
  }
}

/** One `sha256sum` line: "<hex>  <file name>\n" (two spaces: binary-agnostic text mode). */
export function sha256SumLine(sha256: string, fileName: string): string {
  return `${sha256}  ${fileName}\n`;
}

/** The digest for fileName in a sha256sum file (or its only digest); undefined when absent. */
export function parseSha256Sum(text: string, fileName: string): string | undefined {
  const lines = text
    .split("\n")
    .map((l) => /^([0-9a-f]{64}) [ *](.+)$/i.exec(l.trim()))
    .filter((m): m is RegExpExecArray => m !== null);
  const named = lines.find((m) => m[2] === fileName || m[2]?.endsWith(`/${fileName}`));
  return (named ?? (lines.length === 1 ? lines[0] : undefined))?.[1]?.toLowerCase();
}
