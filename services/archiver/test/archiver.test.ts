/**
 * The archiver against the real S3 server of the test environment: the documented layout, the
 * control annotations, the version guard, tombstones, LiveSynchronizations without a bucket.
 */
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import type { BucketClient } from "@livesync/bucket";
import { InProcessBus } from "@livesync/bus";
import { canonicalJson } from "@livesync/api";
import {
  archiveKey,
  decodeArchiveEntry,
  originalOf,
  type KubeObject,
  type SyncEvent,
} from "@livesync/core";
import { Archiver, ARCHIVER_DURABLE, type ArchiveTarget } from "../src/index.js";
import {
  archiverSuite,
  configMapEvent,
  drained,
  publishAll,
  rawObject,
  scramble,
  targetFor,
} from "./helpers.js";

const { env, liveSync, bucket } = archiverSuite();

async function deliver(
  target: ArchiveTarget,
  events: SyncEvent[],
  extraTargets: ArchiveTarget[] = [],
) {
  const bus = new InProcessBus(0); // no dedupe: every duplicate reaches the archiver
  const archiver = new Archiver(bus, { concurrency: 8 });
  for (const t of [target, ...extraTargets]) archiver.setTarget(t);
  await bus.ensureConsumer(ARCHIVER_DURABLE);
  await publishAll(bus, events);
  await archiver.start();
  await drained(bus);
  await archiver.stop();
  return { stats: archiver.statsFor(target.liveSync)!, dead: await bus.deadLetters(), archiver };
}

const keyOf = (t: ArchiveTarget, e: SyncEvent) =>
  archiveKey({ ...t, gvr: e.gvr, namespace: e.namespace, name: e.name });

describe("archiver", () => {
  it("stores the original at the documented path with control annotations that verify", async () => {
    const target = targetFor(liveSync, bucket);
    const cm = configMapEvent(liveSync, "ADDED", "settings", 1234, { uid: "uid-cm" });
    cm.object!.metadata.annotations = { "shop.example.com/owner": "web team", z: "ü ✓" };
    const deployment: SyncEvent = {
      ...configMapEvent(liveSync, "ADDED", "web", 1300),
      gvr: { group: "apps", version: "v1", resource: "deployments" },
      kind: "Deployment",
      apiVersion: "apps/v1",
      object: {
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: { name: "web", namespace: "shop" },
        spec: { replicas: 3, template: { spec: { containers: [{ name: "w", image: "nginx" }] } } },
      },
    };
    const clusterRole: SyncEvent = {
      ...configMapEvent(liveSync, "ADDED", "reader", 1400),
      gvr: { group: "rbac.authorization.k8s.io", version: "v1", resource: "clusterroles" },
      kind: "ClusterRole",
      apiVersion: "rbac.authorization.k8s.io/v1",
      namespaced: false,
      namespace: undefined,
      object: {
        apiVersion: "rbac.authorization.k8s.io/v1",
        kind: "ClusterRole",
        metadata: { name: "reader" },
        rules: [{ apiGroups: [""], resources: ["pods"], verbs: ["get"] }],
      },
    };
    const { stats, dead } = await deliver(target, [cm, deployment, clusterRole]);
    expect(dead).toEqual([]);
    expect(stats).toMatchObject({ archived: 3, skipped: 0, failed: 0, retrying: 0 });

    const base = `${target.bucketNamespace}/archive`;
    expect(keyOf(target, cm)).toBe(`${base}/core-v1-configmaps/shop.settings`);
    const stored = await rawObject(env, `${base}/core-v1-configmaps/shop.settings`);
    expect(stored?.metadata).toEqual({
      "source-resource-version": "1234",
      "source-uid": "uid-cm",
      deleted: "false",
    });
    const object = JSON.parse(stored!.body) as KubeObject;
    const a = object.metadata.annotations!;
    expect(a).toMatchObject({
      "livesync.dev/source-cluster": "source",
      "livesync.dev/source-uid": "uid-cm",
      "livesync.dev/source-resource-version": "1234",
      "livesync.dev/live-synchronization": liveSync,
    });
    expect(Date.parse(a["livesync.dev/archived-at"]!)).toBeGreaterThan(Date.now() - 60_000);
    // Minus the control annotations it is the event's object, byte for byte (canonically).
    expect(canonicalJson(originalOf(object))).toBe(canonicalJson(cm.object));
    expect(a["livesync.dev/sha256"]).toBe(
      createHash("sha256").update(canonicalJson(cm.object)).digest("hex"),
    );
    expect(decodeArchiveEntry(stored!.body)).toMatchObject({ kind: "object", verified: true });

    const dep = await rawObject(env, `${base}/apps-v1-deployments/shop.web`);
    expect(canonicalJson(originalOf(JSON.parse(dep!.body)))).toBe(canonicalJson(deployment.object));
    const role = await rawObject(
      env,
      `${base}/rbac.authorization.k8s.io-v1-clusterroles/_cluster.reader`,
    );
    expect(decodeArchiveEntry(role!.body)).toMatchObject({ kind: "object", verified: true });
    expect(await bucket.list(`${base}/`)).toEqual([
      `${base}/apps-v1-deployments/shop.web`,
      `${base}/core-v1-configmaps/shop.settings`,
      `${base}/rbac.authorization.k8s.io-v1-clusterroles/_cluster.reader`,
    ]);
  });

  it.each([1, 2, 3, 4])(
    "converges on the newest version whatever the order; a delete is never undone (seed %i)",
    async (seed) => {
      const target = targetFor(liveSync, bucket);
      const e = (type: SyncEvent["type"], rv: number) => configMapEvent(liveSync, type, "cm", rv);
      const history = scramble([e("ADDED", 100), e("MODIFIED", 200), e("MODIFIED", 300)], seed);
      const first = await deliver(target, history);
      expect(first.dead).toEqual([]);
      expect(first.stats.lastError).toBeUndefined();
      const key = keyOf(target, e("ADDED", 1));
      let stored = await rawObject(env, key);
      expect(stored?.metadata["source-resource-version"]).toBe("300");
      expect(JSON.parse(stored!.body).data).toEqual({ v: "300" });
      expect(first.stats.archived + first.stats.skipped).toBe(history.length);
      expect(first.stats.archived).toBeLessThanOrEqual(3);

      const second = await deliver(target, [
        e("DELETED", 400),
        e("MODIFIED", 350),
        e("DELETED", 400),
      ]);
      expect(second.stats).toMatchObject({ tombstoned: 1, skipped: 2, archived: 0 });
      stored = await rawObject(env, key);
      expect(stored?.metadata).toMatchObject({ deleted: "true", "source-resource-version": "400" });
      expect(JSON.parse(stored!.body)).toMatchObject({
        deleted: true,
        sourceUid: "uid-cm",
        sourceResourceVersion: "400",
        event: "DELETED",
      });
      expect(Date.parse(JSON.parse(stored!.body).deletedAt)).not.toBeNaN();
    },
  );

  it("a LiveSynchronization without a bucket is acknowledged and ignored; garbage is dead-lettered", async () => {
    const target = targetFor(liveSync, bucket);
    const other = "livesync-system/no-bucket";
    const ignored = configMapEvent(other, "ADDED", "unarchived", 10);
    const kept = configMapEvent(liveSync, "ADDED", "archived", 10);
    const puts: string[] = [];
    const recording: BucketClient = Object.assign(Object.create(bucket) as BucketClient, {
      put: (...args: Parameters<BucketClient["put"]>) => {
        // The probe of conditional-write support writes (and deletes) a key of its own.
        if (!args[0].includes("conditional-write-probe")) puts.push(args[0]);
        return bucket.put(...args);
      },
    });
    const bus = new InProcessBus();
    const archiver = new Archiver(bus);
    archiver.setTarget({ ...target, bucket: recording });
    await bus.ensureConsumer(ARCHIVER_DURABLE);
    await publishAll(bus, [ignored, kept]);
    await bus.publish("livesync.events.x.y", new TextEncoder().encode("{not json"), "garbage");
    await archiver.start();
    await drained(bus);
    await archiver.stop();
    expect(archiver.statsFor(other)).toBeUndefined();
    expect(puts).toEqual([keyOf(target, kept)]);
    expect(await bucket.list(`${target.bucketNamespace}/`)).toEqual([keyOf(target, kept)]);
    const dead = await bus.deadLetters();
    expect(dead).toHaveLength(1);
    expect(dead[0]!.reason).toMatch(/^not a livesync event: invalid sync event: not JSON/);
  });
});
