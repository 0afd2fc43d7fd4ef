/**
 * Order does not matter: the same events delivered duplicated, reordered and redelivered
 * converge to the same destination state (real destination apiserver).
 */
import { randomBytes } from "node:crypto";
import { CoreV1Api } from "@kubernetes/client-node";
import { afterAll, describe, expect, inject, it } from "vitest";
import { InProcessBus } from "@livesync/bus";
import { encodeEvent, messageId, type SyncEvent } from "@livesync/core";
import { Cluster } from "@livesync/kube";
import { eventually, kubeConfigFor } from "@livesync/testkit";
import { Synchronizer, SYNCHRONIZER_DURABLE } from "../src/index.js";
import { configMapEvent, configMapTarget } from "./fixtures.js";

const env = inject("testenv");
const dstKc = kubeConfigFor(env, "destination");
const dstCore = dstKc.makeApiClient(CoreV1Api);
const namespace = `guards-${randomBytes(3).toString("hex")}`;
const liveSync = "livesync-system/guards";

afterAll(async () => {
  await dstCore.deleteNamespace({ name: namespace }).catch(() => undefined);
});

function event(
  type: SyncEvent["type"],
  name: string,
  uid: string,
  rv: number,
  value?: string,
): SyncEvent {
  return configMapEvent({ liveSync, namespace }, type, name, uid, rv, value ?? "");
}

/** Deterministic shuffle with duplicates. */
function scramble<T>(items: T[], seed: number): T[] {
  let s = seed;
  const rand = () => (s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const out = [...items, ...items.filter(() => rand() < 0.5)];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

async function deliver(events: SyncEvent[]) {
  const bus = new InProcessBus(0); // no dedupe: every duplicate reaches the synchronizer
  const sync = new Synchronizer(bus, { concurrency: 8 });
  const destination = await Cluster.fromKubeConfig("destination", dstKc);
  const target = configMapTarget(liveSync, destination);
  sync.setTarget(target);
  await bus.ensureConsumer(SYNCHRONIZER_DURABLE);
  for (const [i, e] of events.entries())
    await bus.publish("livesync.events.x.y", encodeEvent(e), `${messageId(e)}#${i}`);
  await sync.start();
  await eventually(
    async () => ((await bus.pending(SYNCHRONIZER_DURABLE)) === 0 ? true : undefined),
    {
      what: "every event handled",
    },
  );
  await sync.stop();
  destination.close();
  return {
    stats: sync.statsFor(liveSync)!,
    counts: sync.objectCounts(liveSync),
    dead: await bus.deadLetters(),
  };
}

const read = (name: string) =>
  dstCore.readNamespacedConfigMap({ name, namespace }).catch(() => undefined);

describe("synchronizer guards against a real destination", () => {
  it.each([1, 2, 3, 4, 5])(
    "converges on the newest version whatever the order (seed %i)",
    async (seed) => {
      const name = `cm-update-${seed}`;
      const history = [
        event("ADDED", name, "uid-a", 100, "v1"),
        event("MODIFIED", name, "uid-a", 200, "v2"),
        event("MODIFIED", name, "uid-a", 300, "v3"),
      ];
      const { dead, stats, counts } = await deliver(scramble(history, seed));
      expect(dead).toEqual([]);
      expect(stats.lastError).toBeUndefined(); // no event needed a retry
      expect(counts).toEqual({ synced: 1, failed: 0, conflicts: 0 });
      const cm = await read(name);
      expect(cm?.data).toEqual({ v: "v3" });
      expect(cm?.metadata?.annotations?.["livesync.dev/source-resource-version"]).toBe("300");
    },
  );

  it.each([1, 2, 3])(
    "a delete is never undone by an older event delivered after it (seed %i)",
    async (seed) => {
      const name = `cm-delete-${seed}`;
      const history = [
        event("ADDED", name, "uid-d", 100, "v1"),
        event("MODIFIED", name, "uid-d", 200, "v2"),
        event("DELETED", name, "uid-d", 300),
      ];
      await deliver(scramble(history, seed));
      expect(await read(name)).toBeUndefined();
    },
  );

  it("a re-created source object replaces the copy; stale events of the old one are ignored", async () => {
    const name = "cm-recreated";
    await deliver([event("ADDED", name, "uid-old", 100, "old")]);
    await deliver([
      event("DELETED", name, "uid-old", 150),
      event("ADDED", name, "uid-new", 200, "new"),
      event("MODIFIED", name, "uid-old", 120, "stale"),
    ]);
    const cm = await read(name);
    expect(cm?.data).toEqual({ v: "new" });
    expect(cm?.metadata?.annotations?.["livesync.dev/source-uid"]).toBe("uid-new");
  });

  it("a transformation that cannot apply is dead-lettered with its reason, others keep flowing", async () => {
    const bus = new InProcessBus();
    const sync = new Synchronizer(bus, { concurrency: 4 });
    const destination = await Cluster.fromKubeConfig("destination", dstKc);
    sync.setTarget({
      liveSync,
      sourceCluster: "source",
      destination,
      transformations: [[{ op: "replace", path: "/spec/replicas", value: 0 }]],
    });
    await bus.ensureConsumer(SYNCHRONIZER_DURABLE);
    const bad = event("ADDED", "cm-bad", "uid-bad", 10, "x");
    await bus.publish("livesync.events.x.y", encodeEvent(bad), messageId(bad));
    await bus.publish("livesync.events.x.y", new TextEncoder().encode("not json"), "garbage");
    await sync.start();
    const dead = await eventually(
      async () => {
        const d = await bus.deadLetters();
        return d.length === 2 ? d : undefined;
      },
      { what: "two dead letters" },
    );
    await sync.stop();
    destination.close();
    expect(dead.map((d) => d.reason).sort()).toEqual([
      expect.stringMatching(/^not a livesync event/),
      expect.stringMatching(
        /transformation of spec.config.replication.resources\[0\] failed: .*\/spec\/replicas/,
      ),
    ]);
    expect(sync.statsFor(liveSync)?.failed).toBe(1);
  });
  it("replaces a copy when a changed transformation hits an immutable field (422)", async () => {
    const name = "cm-immutable";
    const immutable = (rv: number): SyncEvent => {
      const e = event("RESYNC", name, "uid-imm", rv, "v1");
      (e.object as { immutable?: boolean }).immutable = true;
      return e;
    };
    await deliver([immutable(100)]);
    const before = await read(name);
    expect(before?.data).toEqual({ v: "v1" });

    // Same source version, new transformation: the content hash differs, so it is applied; the
    // apiserver refuses to change an immutable ConfigMap, and the copy is re-created instead.
    const bus = new InProcessBus(0);
    const sync = new Synchronizer(bus, { concurrency: 1 });
    const destination = await Cluster.fromKubeConfig("destination", dstKc);
    sync.setTarget({
      liveSync,
      sourceCluster: "source",
      destination,
      transformations: [[{ op: "add", path: "/data/extra", value: "x" }]],
    });
    await bus.ensureConsumer(SYNCHRONIZER_DURABLE);
    const e = immutable(100);
    await bus.publish("livesync.events.x.y", encodeEvent(e), messageId(e));
    await sync.start();
    await eventually(
      async () => ((await bus.pending(SYNCHRONIZER_DURABLE)) === 0 ? true : undefined),
      {
        what: "the event handled",
      },
    );
    await sync.stop();
    destination.close();
    const after = await read(name);
    expect(after?.data).toEqual({ v: "v1", extra: "x" });
    expect(after?.metadata?.uid).not.toBe(before?.metadata?.uid);
    expect(await bus.deadLetters()).toEqual([]);
  });
});
