import { randomBytes } from "node:crypto";
import { afterAll, inject } from "vitest";
import { DeleteObjectCommand, GetObjectCommand, HeadObjectCommand } from "@aws-sdk/client-s3";
import { bucketClient, type BucketClient } from "@livesync/bucket";
import type { EventBus } from "@livesync/bus";
import { encodeEvent, messageId, type Gvr, type KubeObject, type SyncEvent } from "@livesync/core";
import { eventually, s3Client, type TestEnvironment } from "@livesync/testkit";
import { ARCHIVER_DURABLE, type ArchiveTarget } from "../src/index.js";

export const SUBJECT = "livesync.events.livesync-system.archive";

/**
 * What every archiver test file sets up: the environment, a client of its bucket and closers run
 * (last first) after all its tests, before the objects its targets wrote are removed.
 */
export function archiverSuite() {
  const env = inject("testenv");
  const bucket = goodBucket(env);
  const closers: (() => Promise<void> | void)[] = [];
  afterAll(async () => {
    for (const close of closers.splice(0).reverse()) await close();
    await removeTestObjects(env);
    bucket.close();
  });
  return { env, liveSync: "livesync-system/archive", bucket, closers };
}

export const unique = (prefix: string) => `${prefix}-${randomBytes(4).toString("hex")}`;

export function goodBucket(env: TestEnvironment, opts: { requestTimeoutMs?: number } = {}) {
  return bucketClient({ ...env.s3, forcePathStyle: env.s3.forcePathStyle ?? true, ...opts });
}

/** A target whose keys live under a fresh bucket namespace, so tests never collide. */
export function targetFor(liveSync: string, bucket: BucketClient): ArchiveTarget {
  const bucketNamespace = unique("archiver-test");
  written.push(`${bucketNamespace}/`);
  return { liveSync, sourceCluster: "source", bucket, bucketNamespace, bucketName: "archive" };
}

const written: string[] = [];

/** The environment's bucket outlives test runs: remove what the targets made here wrote. */
export async function removeTestObjects(env: TestEnvironment) {
  const s3 = s3Client(env.s3);
  const ours = goodBucket(env);
  try {
    for (const prefix of written.splice(0)) {
      for (const Key of await ours.list(prefix)) {
        await s3.send(new DeleteObjectCommand({ Bucket: env.s3.bucket, Key }));
      }
    }
  } finally {
    s3.destroy();
    ours.close();
  }
}

const CONFIGMAPS: Gvr = { group: "", version: "v1", resource: "configmaps" };

export function configMapEvent(
  liveSync: string,
  type: SyncEvent["type"],
  name: string,
  rv: number,
  opts: { uid?: string; value?: string; namespace?: string } = {},
): SyncEvent {
  const namespace = opts.namespace ?? "shop";
  const deleted = type === "DELETED" || type === "PRUNE";
  return {
    type,
    liveSync,
    gvr: CONFIGMAPS,
    kind: "ConfigMap",
    apiVersion: "v1",
    namespaced: true,
    namespace,
    name,
    uid: opts.uid ?? `uid-${name}`,
    sourceResourceVersion: String(rv),
    observedAt: new Date().toISOString(),
    resourceIndex: 0,
    object: deleted
      ? undefined
      : ({
          apiVersion: "v1",
          kind: "ConfigMap",
          metadata: { name, namespace, labels: { app: "shop" } },
          data: { v: opts.value ?? String(rv) },
        } satisfies KubeObject),
  };
}

/** Publishes with a unique id per position, so duplicates reach the archiver. */
export async function publishAll(bus: EventBus, events: SyncEvent[], subject = SUBJECT) {
  for (const [i, e] of events.entries()) {
    await bus.publish(
      subject,
      encodeEvent(e),
      `${messageId(e)}#${i}#${randomBytes(3).toString("hex")}`,
    );
  }
}

export async function drained(bus: EventBus, timeoutMs = 45_000) {
  await eventually(async () => ((await bus.pending(ARCHIVER_DURABLE)) === 0 ? true : undefined), {
    what: "every event handled",
    timeoutMs,
  });
}

/** Reads the bucket with a plain S3 client, not ours. */
export async function rawObject(env: TestEnvironment, key: string) {
  const s3 = s3Client(env.s3);
  try {
    const head = await s3.send(new HeadObjectCommand({ Bucket: env.s3.bucket, Key: key }));
    const got = await s3.send(new GetObjectCommand({ Bucket: env.s3.bucket, Key: key }));
    return { metadata: head.Metadata ?? {}, body: await got.Body!.transformToString("utf-8") };
  } catch (err) {
    if ((err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404) {
      return undefined;
    }
    throw err;
  } finally {
    s3.destroy();
  }
}

/** Deterministic shuffle with duplicates. */
export function scramble<T>(items: T[], seed: number): T[] {
  let s = seed;
  const rand = () => (s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const out = [...items, ...items.filter(() => rand() < 0.7)];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}
