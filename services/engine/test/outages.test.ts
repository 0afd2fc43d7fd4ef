/**
 * Two-minute outages while the source keeps changing (creates, updates, deletes): the
 * destination apiserver stopped, the bucket's S3 server stopped, the source apiserver stopped.
 * Each breaks components of its own (a private apiserver or S3 server, its own stream and
 * namespace), so the three run at the same time and the file costs one outage, not three.
 * Afterwards the destination equals the transformed source object by object, the bucket holds
 * every original, and nothing went to the dead-letter stream.
 */
import { afterAll, describe, expect, inject, it } from "vitest";
import {
  eventually,
  s3Client,
  startPrivateCluster,
  startPrivateS3,
  type PrivateCluster,
  type PrivateS3,
} from "@livesync/testkit";
import { agrees, compareBucket, type Comparison } from "../src/testing/configmaps.js";
import { LS_NAMESPACE, BUCKET_NAME } from "../src/testing.js";
import {
  churnFor,
  converged,
  gauge,
  observe,
  sleep,
  startRig,
  status,
  type Rig,
} from "./outage-rig.js";

const env = inject("testenv");
/** The outage; shorter only to try the tests out (LIVESYNC_OUTAGE_SECONDS). */
const OUTAGE_MS = Number(process.env.LIVESYNC_OUTAGE_SECONDS ?? 120) * 1_000;
const OBJECTS = 40;
const TIMEOUT = OUTAGE_MS + 240_000;

const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
});
const track = <T extends { stop(): Promise<void> } | Rig>(x: T): T => {
  cleanups.push(() => ("close" in x ? x.close() : x.stop()));
  return x;
};

/** The measured figures of each outage, printed at the end (docs/fault-tolerance.md). */
const figures: Record<string, object> = {};
afterAll(() => console.log(`outage figures: ${JSON.stringify(figures)}`));

describe.runIf(env.provider === "binaries")("two-minute outages", { concurrent: true }, () => {
  it(
    "destination apiserver down: events wait (none dead-lettered), status and metrics say so, all converges after",
    async () => {
      const destination: PrivateCluster = track(await startPrivateCluster("outage-dst"));
      const e = { ...env, clusters: { ...env.clusters, destination } };
      const rig = track(await startRig(e, "out-dst", { objects: OBJECTS }));
      await converged(rig, 60_000);

      await destination.stopApiserver();
      const seen = await observe(
        async () => ({
          status: await status(rig),
          retrying: await gauge(rig, "livesync_retrying_objects"),
          problems: await gauge(rig, "livesync_problems"),
        }),
        churnFor(rig.churn, OUTAGE_MS),
      );
      await destination.startApiserver();
      const convergeMs = await converged(rig, 180_000);

      const during = seen.filter((s) => s.status.retrying! > 0);
      expect(during.length, "samples showing events waiting").toBeGreaterThan(0);
      expect(during[0]!.status.problems.join("\n")).toMatch(
        /^destination: destination: .*ECONNREFUSED/m,
      );
      expect(Math.max(...seen.map((s) => s.retrying ?? 0))).toBeGreaterThan(0);
      expect(Math.max(...seen.map((s) => s.problems ?? 0))).toBeGreaterThan(0);
      // The Lease lives in the destination: the listener stands down and says why.
      expect(seen.some((s) => s.status.problems.some((p) => p.startsWith("lease: ")))).toBe(true);
      expect(await rig.engine.bus.deadLetters()).toEqual([]);
      // Events that waited may still be in their last backoff (up to 30 s) after the copies
      // converged through newer ones: they are applied (as no-ops), never dropped.
      const after = await eventually(
        async () => {
          const s = await status(rig);
          return s.retrying === 0 ? s : undefined;
        },
        { timeoutMs: 60_000, what: "the waiting events to be applied" },
      );
      expect(after).toMatchObject({ failed: 0, retrying: 0 });
      expect(await rig.engine.bus.deadLetters()).toEqual([]);
      figures.destination = {
        ...rig.churn.counts,
        compared: rig.churn.live.size,
        convergeSeconds: convergeMs / 1000,
      };
    },
    TIMEOUT,
  );

  it(
    "bucket down: replication goes on, originals catch up after, none lost or dead-lettered",
    async () => {
      const bucket: PrivateS3 = track(await startPrivateS3("outage-s3"));
      const e = { ...env, s3: bucket.s3 };
      const rig = track(await startRig(e, "out-s3", { objects: OBJECTS, bucket: true }));
      const s3 = s3Client(bucket.s3);
      cleanups.push(async () => s3.destroy());
      let last: Comparison | undefined;
      const bucketAgrees = async () => {
        last = await compareBucket(
          s3,
          bucket.s3.bucket,
          `${LS_NAMESPACE}/${BUCKET_NAME}/`,
          rig.source,
          [rig.namespace],
          rig.churn.deleted,
        );
        return agrees(last) ? true : undefined;
      };
      await converged(rig, 60_000);
      await waitFor(bucketAgrees, 60_000, () => `the bucket: ${JSON.stringify(last)}`);

      const stoppedAt = Date.now();
      await bucket.stopServer();
      // Changes during most of the outage; then the destination must have caught up while the
      // bucket is still down: the archiver holds nothing back.
      await churnFor(rig.churn, OUTAGE_MS - 30_000);
      const replicationMs = await converged(rig, 25_000);
      const during = await status(rig);
      expect(during.problems.join("\n")).toMatch(/^bucket: bucket .*: unreachable: /m);
      expect(rig.engine.archiver!.statsFor(rig.liveSync)!.retrying).toBeGreaterThan(0);
      await sleep(stoppedAt + OUTAGE_MS - Date.now());
      await bucket.startServer();
      const started = Date.now();
      await waitFor(bucketAgrees, 180_000, () => `the bucket: ${JSON.stringify(last)}`);
      const catchUpMs = Date.now() - started;

      expect(await rig.engine.bus.deadLetters()).toEqual([]);
      expect(rig.engine.archiver!.statsFor(rig.liveSync)).toMatchObject({ failed: 0 });
      figures.bucket = {
        ...rig.churn.counts,
        compared: last!.compared,
        replicationDuringOutageSeconds: replicationMs / 1000,
        catchUpSeconds: catchUpMs / 1000,
      };
    },
    TIMEOUT,
  );

  it(
    "source apiserver down: nothing is pruned, replication resumes after",
    async () => {
      const source: PrivateCluster = track(await startPrivateCluster("outage-src"));
      const e = { ...env, clusters: { ...env.clusters, source } };
      const rig = track(await startRig(e, "out-src", { objects: OBJECTS }));
      await converged(rig, 60_000);
      const copies = async () =>
        (
          await rig.destination.request<{ items: unknown[] }>(
            "GET",
            `/api/v1/namespaces/${rig.namespace}/configmaps`,
            { query: { labelSelector: "livesync.test/churn" } },
          )
        ).items.length;
      const before = await copies();
      expect(before).toBe(OBJECTS);

      await source.stopApiserver();
      const outage = (async () => {
        await sleep(OUTAGE_MS / 4);
        // A reconcile pass in the middle of the outage: the failed source list is no
        // "everything was deleted".
        const report = await rig.engine.reconcileNow(rig.liveSync);
        await sleep(OUTAGE_MS - OUTAGE_MS / 4);
        return report;
      })();
      const seen = await observe(
        async () => ({ copies: await copies(), status: await status(rig) }),
        outage,
      );
      const report = await outage;
      expect(report?.pruned ?? 0).toBe(0);
      expect(seen.map((s) => s.copies)).toEqual(seen.map(() => OBJECTS));
      const problems = seen.flatMap((s) => s.status.problems).join("\n");
      expect(problems).toMatch(/^watch: .*ECONNREFUSED/m);
      expect(problems).toMatch(/^reconcile.*ECONNREFUSED/m);

      await source.startApiserver();
      await churnFor(rig.churn, 10_000);
      const convergeMs = await converged(rig, 120_000);
      // A full pass after the outage finds nothing to prune that the source still has.
      const after = await rig.engine.reconcileNow(rig.liveSync);
      expect(after).toMatchObject({ missing: 0 });
      await converged(rig, 30_000);
      expect(await rig.engine.bus.deadLetters()).toEqual([]);
      figures.source = {
        ...rig.churn.counts,
        compared: rig.churn.live.size,
        convergeSeconds: convergeMs / 1000,
        copiesDuringOutage: [...new Set(seen.map((s) => s.copies))],
      };
    },
    TIMEOUT,
  );
});

async function waitFor(check: () => Promise<true | undefined>, ms: number, what: () => string) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check().catch(() => undefined)) return;
    await sleep(1_000);
  }
  throw new Error(`timed out after ${ms} ms waiting for ${what()}`);
}
