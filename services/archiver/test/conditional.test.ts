/**
 * Two archivers writing one key: with conditional writes (the test S3 server, versitygw,
 * supports them) an older original decided from a HEAD taken before a newer write never
 * overwrites it; the same interleaving without them shows the race they close.
 */
import { describe, expect, it } from "vitest";
import {
  isPreconditionFailed,
  probeConditionalWrites,
  type BucketClient,
  type StoredObject,
} from "@livesync/bucket";
import { InProcessBus, JetStreamBus } from "@livesync/bus";
import { archiveKey, archivePrefix, type SyncEvent } from "@livesync/core";
import { Archiver, ARCHIVER_DURABLE, type ArchiveTarget } from "../src/index.js";
import {
  archiverSuite,
  configMapEvent,
  drained,
  publishAll,
  rawObject,
  targetFor,
  unique,
} from "./helpers.js";

const { env, liveSync, bucket, closers } = archiverSuite();

const keyOf = (t: ArchiveTarget, e: SyncEvent) =>
  archiveKey({ ...t, gvr: e.gvr, namespace: e.namespace, name: e.name });
const storedVersion = async (key: string) =>
  (await rawObject(env, key))?.metadata["source-resource-version"];

/** The bucket, but each PUT waits for `gate` (the other archiver's write). */
function heldBucket(
  gate: Promise<unknown>,
): BucketClient & { heads: (StoredObject | undefined)[] } {
  const heads: (StoredObject | undefined)[] = [];
  return Object.assign(Object.create(bucket) as BucketClient, {
    heads,
    stat: async (key: string) => {
      const found = await bucket.stat(key);
      heads.push(found);
      return found;
    },
    put: async (...args: Parameters<BucketClient["put"]>) => {
      await gate;
      return bucket.put(...args);
    },
  });
}

/**
 * Archiver B decides on the older event from what it reads, then archiver A writes the newer
 * one, then B's PUT goes out: the classic HEAD-then-PUT race, made deterministic.
 */
async function race(conditionalWrites: boolean, existing: boolean) {
  const target = targetFor(liveSync, bucket);
  const e = (rv: number) => configMapEvent(liveSync, "MODIFIED", "raced", rv);
  const key = keyOf(target, e(1));
  const bus = new InProcessBus();
  const a = new Archiver(bus, { conditionalWrites });
  const b = new Archiver(bus, { conditionalWrites });
  if (existing) await a.archive(target, e(50));
  let newerWritten!: () => void;
  const gate = new Promise<void>((r) => (newerWritten = r));
  const held = heldBucket(gate);
  const older = b.archive({ ...target, bucket: held }, e(100));
  // B has read the key (or found none) before A writes.
  while (held.heads.length === 0) await new Promise((r) => setTimeout(r, 5));
  const newer = await a.archive(target, e(200));
  newerWritten();
  return { key, newer, older: await older };
}

describe("archiver conditional writes", () => {
  it("the test S3 server (versitygw) supports If-None-Match: * and If-Match on PUT", async () => {
    const target = targetFor(liveSync, bucket);
    expect(await probeConditionalWrites(bucket, archivePrefix(target))).toBe(true);
    const key = `${archivePrefix(target)}conditional-check`;
    await bucket.put(key, "first", {}, { ifNoneMatch: "*" });
    const refused = await bucket.put(key, "second", {}, { ifNoneMatch: "*" }).catch((e) => e);
    expect(isPreconditionFailed(refused)).toBe(true);
    const { etag } = (await bucket.stat(key))!;
    await bucket.put(key, "third", {}, { ifMatch: etag! });
    const stale = await bucket.put(key, "fourth", {}, { ifMatch: etag! }).catch((e) => e);
    expect(isPreconditionFailed(stale)).toBe(true);
    expect(await bucket.get(key)).toBe("third");
    // The probe leaves nothing behind.
    expect(await bucket.list(archivePrefix(target))).toEqual([key]);
  });

  it.each([
    ["over an existing entry", true],
    ["on a first write", false],
  ])(
    "an older original decided before a newer write lands is refused and skipped (%s)",
    async (_, existing) => {
      const { key, newer, older } = await race(true, existing);
      expect(newer.outcome).toBe("archived");
      expect(older.outcome).toBe("skipped");
      expect(older.reason).toMatch(/^stale: 100 is older than the stored object \(200\)/);
      expect(await storedVersion(key)).toBe("200");
    },
  );

  it("without conditional writes the same interleaving loses the newer original", async () => {
    const { key, older } = await race(false, true);
    expect(older.outcome).toBe("archived");
    expect(await storedVersion(key)).toBe("100");
  });

  it("two archivers on one durable consumer, older originals delivered after newer ones: the bucket holds the newest", async () => {
    const prefix = unique("archivers").replaceAll("-", "");
    const connect = () =>
      JetStreamBus.connect({
        url: env.nats.url,
        stream: prefix.toUpperCase(),
        subjects: [`${prefix}.>`],
      });
    const [busA, busB] = await Promise.all([connect(), connect()]);
    closers.push(
      () => busA.close(),
      () => busB.close(),
    );
    await busA.ensureConsumer(ARCHIVER_DURABLE);
    const target = targetFor(liveSync, bucket);
    const names = Array.from({ length: 30 }, (_, i) => `cm-${i}`);
    // Per object: the newest first, then every older version, each twice.
    const events = names.flatMap((name) =>
      [400, 300, 200, 100, 400, 300, 200, 100].map((rv) =>
        configMapEvent(liveSync, rv === 100 ? "ADDED" : "MODIFIED", name, rv),
      ),
    );
    const archivers = [busA, busB].map((bus) => new Archiver(bus, { concurrency: 16 }));
    for (const a of archivers) a.setTarget(target);
    await Promise.all(archivers.map((a) => a.start()));
    closers.push(() => Promise.all(archivers.map((a) => a.stop())).then(() => undefined));
    await publishAll(busA, events, `${prefix}.livesync-system.archive`);
    await drained(busA, 90_000);
    const stats = archivers.map((a) => a.statsFor(liveSync)!);
    // Both took part, both wrote conditionally.
    for (const s of stats) {
      expect(s.archived + s.skipped).toBeGreaterThan(0);
      expect(s.conditionalWrites).toBe(true);
      expect(s.failed).toBe(0);
    }
    const versions = await Promise.all(
      names.map((n) => storedVersion(keyOf(target, configMapEvent(liveSync, "ADDED", n, 1)))),
    );
    expect(versions).toEqual(names.map(() => "400"));
    expect(await busA.deadLetters()).toEqual([]);
  });
});
