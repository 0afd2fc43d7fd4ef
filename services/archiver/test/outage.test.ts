/**
 * Bucket trouble never loses an event: a frozen S3 server and bad credentials only delay
 * archiving (JetStream redelivers with capped backoff), and the reason is visible meanwhile.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { bucketClientFromSpec, type BucketClient } from "@livesync/bucket";
import type { Bucket } from "@livesync/api";
import { JetStreamBus } from "@livesync/bus";
import { eventually, testenvDir } from "@livesync/testkit";
import { Archiver, ARCHIVER_DURABLE } from "../src/index.js";
import {
  archiverSuite,
  configMapEvent,
  drained,
  goodBucket,
  publishAll,
  rawObject,
  targetFor,
  unique,
} from "./helpers.js";

const { env, liveSync, closers } = archiverSuite();

/** A stream of its own (streams may not share subjects). */
async function jetstream() {
  const prefix = unique("archiver").replaceAll("-", "");
  const bus = await JetStreamBus.connect({
    url: env.nats.url,
    stream: prefix.toUpperCase(),
    subjects: [`${prefix}.>`],
  });
  closers.push(() => bus.close());
  await bus.ensureConsumer(ARCHIVER_DURABLE);
  return { bus, subject: `${prefix}.livesync-system.archive` };
}

/** The S3 server's pid, from the pid files the testkit writes for what it started. */
function s3Pid(): number {
  const dir = join(testenvDir(), "pids");
  const port = new URL(env.s3.endpoint).port;
  for (const f of readdirSync(dir)) {
    const rec = JSON.parse(readFileSync(join(dir, f), "utf8")) as {
      component: string;
      pid: number;
      command: string;
    };
    if (rec.component === "versitygw (S3)" && rec.command.includes(`:${port} `)) return rec.pid;
  }
  throw new Error(`no pid file for the S3 server at ${env.s3.endpoint} in ${dir}`);
}

describe("archiver under bucket trouble", () => {
  it.runIf(env.provider === "binaries")(
    "a frozen S3 server delays archiving; all 20 events arrive, none is dead-lettered",
    async () => {
      const { bus, subject } = await jetstream();
      // Short timeouts so the outage is seen as failures and retried, not just waited out.
      const bucket = goodBucket(env, { requestTimeoutMs: 1_000 });
      closers.push(() => bucket.close());
      const target = targetFor(liveSync, bucket);
      const archiver = new Archiver(bus);
      archiver.setTarget(target);
      closers.push(() => archiver.stop());
      await archiver.start();

      const pid = s3Pid();
      const events = Array.from({ length: 20 }, (_, i) =>
        configMapEvent(liveSync, "ADDED", `cm-${i}`, 100 + i),
      );
      process.kill(pid, "SIGSTOP");
      try {
        await publishAll(bus, events, subject);
        await eventually(
          async () => ((archiver.statsFor(liveSync)?.retrying ?? 0) > 0 ? true : undefined),
          { what: "failed attempts while the bucket is frozen" },
        );
        await new Promise((r) => setTimeout(r, 10_000));
        const during = archiver.statsFor(liveSync)!;
        expect(during.archived).toBe(0);
        expect(during.lastError).toMatch(
          new RegExp(
            `^bucket s3://${env.s3.bucket} at ${env.s3.endpoint}: (HEAD|PUT) .*: unreachable: `,
          ),
        );
        expect(await bus.pending(ARCHIVER_DURABLE)).toBe(20);
      } finally {
        process.kill(pid, "SIGCONT");
      }
      await drained(bus, 60_000);
      expect(archiver.statsFor(liveSync)).toMatchObject({ archived: 20, failed: 0, retrying: 0 });
      expect(await bus.deadLetters()).toEqual([]);
      const keys = await bucket.list(`${target.bucketNamespace}/`);
      expect(keys).toHaveLength(20);
    },
    120_000,
  );

  it("bad credentials: a clear error, the event waits; good credentials archive it", async () => {
    const endpoint = new URL(env.s3.endpoint);
    const spec: Bucket = {
      apiVersion: "assets.livesync.dev/v1alpha1",
      kind: "Bucket",
      metadata: { name: "testenv", namespace: "livesync-system" },
      spec: {
        generic: {
          endpoint: endpoint.host,
          name: env.s3.bucket,
          useSSL: endpoint.protocol === "https:",
          region: env.s3.region,
        },
        secretName: "bucket-credentials",
      },
    };
    const client = (secretAccessKey: string): BucketClient => {
      const c = bucketClientFromSpec(spec, { accessKeyID: env.s3.accessKeyID, secretAccessKey });
      closers.push(() => c.close());
      return c;
    };
    const bad = client("not-the-secret");
    const label = `bucket livesync-system/testenv (s3://${env.s3.bucket} at ${endpoint.origin})`;
    await expect(bad.check()).rejects.toThrow(`${label}: access denied: SignatureDoesNotMatch`);

    const { bus, subject } = await jetstream();
    const archiver = new Archiver(bus, { retryDelayMs: () => 200 });
    closers.push(() => archiver.stop());
    const target = targetFor(liveSync, bad);
    archiver.setTarget(target);
    await archiver.start();
    const event = configMapEvent(liveSync, "ADDED", "settings", 7);
    await publishAll(bus, [event], subject);

    const stats = await eventually(async () => {
      const s = archiver.statsFor(liveSync);
      return s?.lastError && s.retrying === 1 ? s : undefined;
    });
    expect(stats.lastError).toContain(`${label}: access denied: SignatureDoesNotMatch`);
    expect(stats.archived).toBe(0);
    expect(await bus.pending(ARCHIVER_DURABLE)).toBeGreaterThan(0);

    const good = client(env.s3.secretAccessKey);
    await good.check();
    archiver.removeTarget(liveSync);
    archiver.setTarget({ ...target, bucket: good });
    await drained(bus);
    expect(archiver.statsFor(liveSync)).toMatchObject({ archived: 1, failed: 0, retrying: 0 });
    expect(await bus.deadLetters()).toEqual([]);
    const key = `${target.bucketNamespace}/archive/core-v1-configmaps/shop.settings`;
    expect((await rawObject(env, key))?.metadata["source-resource-version"]).toBe("7");
  });
});
