import { randomBytes } from "node:crypto";
import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { DecryptStream, EncryptStream, keyId, parseKey } from "./encryption.js";

async function through(stream: NodeJS.ReadWriteStream, input: Buffer): Promise<Buffer> {
  const chunks: Buffer[] = [];
  // Feed in odd-sized pieces: chunk boundaries must not depend on how bytes arrive.
  const pieces = [];
  for (let i = 0; i < input.length; i += 777) pieces.push(input.subarray(i, i + 777));
  for await (const c of Readable.from(pieces).pipe(stream)) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

const key = randomBytes(32);
const CHUNK = 1024;

describe("streaming AES-256-GCM", () => {
  it("round-trips any length, including empty and exact chunk multiples", async () => {
    for (const size of [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK, 10_000]) {
      const plain = randomBytes(size);
      const sealed = await through(new EncryptStream(key, CHUNK), plain);
      if (size >= 64) expect(sealed.includes(plain.subarray(0, 64))).toBe(false);
      expect(await through(new DecryptStream(key), sealed)).toEqual(plain);
    }
  });

  it("detects a file cut at a chunk boundary, cut mid-chunk, or extended", async () => {
    const sealed = await through(new EncryptStream(key, CHUNK), randomBytes(3 * CHUNK + 10));
    const header = 29;
    const atBoundary = sealed.subarray(0, header + 2 * (CHUNK + 16));
    await expect(through(new DecryptStream(key), atBoundary)).rejects.toThrow(
      /chunk 1 fails authentication \(the file is truncated or its bytes were altered\)/,
    );
    await expect(
      through(new DecryptStream(key), sealed.subarray(0, sealed.length - 5)),
    ).rejects.toThrow(/fails authentication/);
    await expect(
      through(
        new DecryptStream(key),
        Buffer.concat([sealed, sealed.subarray(header, header + 40)]),
      ),
    ).rejects.toThrow(/fails authentication/);
    await expect(through(new DecryptStream(key), sealed.subarray(0, 10))).rejects.toThrow(
      /no complete header/,
    );
  });

  it("detects one altered byte and names a wrong key by its id", async () => {
    const sealed = await through(new EncryptStream(key, CHUNK), randomBytes(2 * CHUNK));
    const tampered = Buffer.from(sealed);
    const at = 29 + CHUNK + 20;
    tampered[at] = tampered[at]! ^ 1;
    await expect(through(new DecryptStream(key), tampered)).rejects.toThrow(/chunk 1 fails/);
    const other = randomBytes(32);
    await expect(through(new DecryptStream(other), sealed)).rejects.toThrow(
      `another key (key id ${keyId(key)}, given key ${keyId(other)})`,
    );
  });

  it("takes a 32-byte base64 key and refuses anything else, saying where it came from", () => {
    expect(parseKey(`${key.toString("base64")}\n`, "x")).toEqual(key);
    expect(() => parseKey(randomBytes(16).toString("base64"), "Secret a/b")).toThrow(
      "Secret a/b: the encryption key must be 32 bytes, base64-encoded (got 16 bytes)",
    );
    expect(() => parseKey("not base64!", "k")).toThrow(/must be 32 bytes/);
    expect(() => parseKey("", "k")).toThrow(/got nothing/);
  });
});
