/**
 * Backups in the testenv's real S3: the bucket writer, the store that lists, reads, exports and
 * deletes them, and an encrypted round trip. Each test writes under its own bucket namespace.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, inject, it } from "vitest";
import { bucketClient } from "@livesync/bucket";
import type { TestEnvironment } from "@livesync/testkit";
import {
  BACKUP_FILES,
  BackupIntegrityError,
  BackupStore,
  openBackupFromBucket,
  openBackupFromFile,
  openBucketBackupWriter,
  sha256Hex,
} from "../src/index.js";
import { configMap, configMapRef, writeSample } from "../src/testing.js";

const env: TestEnvironment = inject("testenv");
const stores: BackupStore[] = [];

function freshStore(): BackupStore {
  const client = bucketClient({ ...env.s3, forcePathStyle: env.s3.forcePathStyle ?? true });
  const store = new BackupStore({
    client,
    bucketNamespace: `backup-test-${randomBytes(4).toString("hex")}`,
    bucketName: "archive",
  });
  stores.push(store);
  return store;
}

afterAll(async () => {
  for (const store of stores) {
    const prefix = `${store.target.bucketNamespace}/`;
    await store.target.client.deletePrefix(prefix);
    store.close();
  }
});

const tempDir = () => mkdtempSync(join(tmpdir(), "backup-bucket-"));

async function readAll(archive: { items(): AsyncIterable<unknown> }) {
  const out = [];
  for await (const item of archive.items()) out.push(item);
  return out;
}

describe("backups in a bucket", () => {
  it("writes, lists, describes, exports and deletes a backup", async () => {
    const store = freshStore();
    const stored = await writeSample(
      await openBucketBackupWriter(store.target, "nightly"),
      "nightly",
      6,
    );
    const key = store.key("nightly", BACKUP_FILES.archive);
    expect(stored.location).toBe(`s3://${env.s3.bucket}/${key}`);

    const [listed, ...others] = await store.list();
    expect(others).toEqual([]);
    expect(listed?.metadata.name).toBe("nightly");
    expect(listed?.status).toMatchObject({
      phase: "Completed",
      location: stored.location,
      sha256: stored.sha256,
      size: stored.size,
      formatVersion: "1.0.0",
      encrypted: false,
    });
    expect((await store.index("nightly"))?.items).toHaveLength(7);
    expect((await store.results("nightly"))?.warnings[0]?.message).toBe("sample warning");

    const archive = await openBackupFromBucket(store, "nightly");
    expect(await readAll(archive)).toHaveLength(7);

    const path = join(tempDir(), "nightly.tgz");
    await store.exportTo("nightly", path);
    expect(sha256Hex(readFileSync(path))).toBe(stored.sha256);
    expect(readFileSync(`${path}.sha256`, "utf8")).toBe(`${stored.sha256}  nightly.tgz\n`);
    expect(await readAll(await openBackupFromFile(path))).toHaveLength(7);

    await expect(openBucketBackupWriter(store.target, "nightly")).rejects.toThrow(/already exists/);
    expect(await store.delete("nightly")).toBe(4);
    expect(await store.list()).toEqual([]);
    expect(await store.target.client.list(store.key("nightly", ""))).toEqual([]);
  });

  it("lists only complete backups, and an aborted one leaves nothing", async () => {
    const store = freshStore();
    await writeSample(await openBucketBackupWriter(store.target, "done"), "done");
    const aborted = await openBucketBackupWriter(store.target, "aborted");
    await aborted.add(configMapRef("a", "x"), configMap("a", "x"));
    await aborted.abort();
    // A folder being written has no backup.json yet: not a backup.
    await store.target.client.put(store.key("half", BACKUP_FILES.index), "{}", {});
    expect((await store.list()).map((b) => b.metadata.name)).toEqual(["done"]);
    expect(await store.target.client.list(store.key("aborted", ""))).toEqual([]);
  });

  it("round-trips an encrypted backup: stored encrypted, read with the key only", async () => {
    const store = freshStore();
    const key = randomBytes(32);
    const stored = await writeSample(
      await openBucketBackupWriter(store.target, "secret", { key }),
      "secret",
      4,
    );
    expect(stored.encrypted).toBe(true);
    expect(stored.location.endsWith(BACKUP_FILES.encryptedArchive)).toBe(true);
    const raw = await store.target.client.get(store.key("secret", BACKUP_FILES.encryptedArchive));
    expect(raw).not.toContain("cm-1");

    await expect(openBackupFromBucket(store, "secret")).rejects.toThrow(/encrypted: give its key/);
    await expect(openBackupFromBucket(store, "secret", { key: randomBytes(32) })).rejects.toThrow(
      /was encrypted with another key/,
    );
    const items = await readAll(await openBackupFromBucket(store, "secret", { key }));
    expect(items).toHaveLength(5);

    const path = join(tempDir(), "secret.tgz");
    await store.exportTo("secret", path);
    expect(sha256Hex(readFileSync(path))).toBe(stored.sha256);
    await expect(openBackupFromFile(path, { key: randomBytes(32) })).rejects.toThrow(/another key/);
    expect(await readAll(await openBackupFromFile(path, { key }))).toHaveLength(5);
  });

  it("names the object whose stored bytes were altered", async () => {
    const store = freshStore();
    await writeSample(await openBucketBackupWriter(store.target, "tampered"), "tampered", 3);
    const indexKey = store.key("tampered", BACKUP_FILES.index);
    const index = JSON.parse((await store.target.client.get(indexKey))!);
    index.items[1].sha256 = "0".repeat(64);
    await store.target.client.put(indexKey, JSON.stringify(index), {});
    const error = await readAll(await openBackupFromBucket(store, "tampered")).catch((e) => e);
    expect(error).toBeInstanceOf(BackupIntegrityError);
    expect(error.message).toContain(
      `configmaps ${index.items[1].namespace}/${index.items[1].name}`,
    );
  });
});
