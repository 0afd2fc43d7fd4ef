/**
 * Two synchronizer replicas share their tombstones through JetStream: a delete handled by one
 * keeps a late, older event delivered to the other from resurrecting the copy, also when the
 * two handle them at the same moment (real NATS, real destination apiserver).
 */
import { randomBytes } from "node:crypto";
import { CoreV1Api } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { JetStreamBus } from "@livesync/bus";
import {
  encodeEvent,
  MemoryTombstones,
  messageId,
  type SyncEvent,
  type TombstoneStore,
} from "@livesync/core";
import { Cluster } from "@livesync/kube";
import { eventually, kubeConfigFor } from "@livesync/testkit";
import { sharedTombstones, Synchronizer, SYNCHRONIZER_DURABLE } from "../src/index.js";
import { configMapEvent, configMapTarget } from "./fixtures.js";

const env = inject("testenv");
const dstKc = kubeConfigFor(env, "destination");
const dstCore = dstKc.makeApiClient(CoreV1Api);
const suffix = randomBytes(3).toString("hex");
const namespace = `tombstones-${suffix}`;
const liveSync = "livesync-system/shared-tombstones";
const stream = `TOMBSTONES_TEST_${suffix.toUpperCase()}`;
const subject = `tombstonestest${suffix}.livesync-system.shared`;
const closers: (() => Promise<unknown> | unknown)[] = [];
let destination: Cluster;

beforeAll(async () => {
  destination = await Cluster.fromKubeConfig("destination", dstKc);
  closers.push(() => destination.close());
});
afterAll(async () => {
  for (const close of closers.splice(0).reverse()) await close();
  await dstCore.deleteNamespace({ name: namespace }).catch(() => undefined);
});

/** One synchronizer replica: its own NATS connection, the installation's shared tombstones. */
async function replica(tombstones?: (shared: TombstoneStore) => TombstoneStore) {
  const bus = await JetStreamBus.connect({
    url: env.nats.url,
    stream,
    subjects: [`tombstonestest${suffix}.>`],
  });
  closers.push(() => bus.close());
  await bus.ensureConsumer(SYNCHRONIZER_DURABLE);
  const shared = await sharedTombstones(bus);
  const sync = new Synchronizer(bus, {
    concurrency: 4,
    tombstones: tombstones ? tombstones(shared) : shared,
  });
  const target = configMapTarget(liveSync, destination);
  sync.setTarget(target);
  closers.push(() => sync.stop());
  return { bus, sync, target, shared };
}

function event(type: SyncEvent["type"], name: string, rv: number): SyncEvent {
  return configMapEvent({ liveSync, namespace }, type, name, `uid-${name}`, rv, String(rv));
}

/** Publishes `e` and waits until the replicas consuming the durable have handled it. */
async function handled(bus: JetStreamBus, e: SyncEvent) {
  await bus.publish(subject, encodeEvent(e), `${messageId(e)}#${randomBytes(3).toString("hex")}`);
  await eventually(
    async () => ((await bus.pending(SYNCHRONIZER_DURABLE)) === 0 ? true : undefined),
    { what: `${e.type} ${e.name} handled` },
  );
}

const read = (name: string) =>
  dstCore.readNamespacedConfigMap({ name, namespace }).catch(() => undefined);

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

/** The n-th get() of a store waits for `gate`, before or after reading. */
function held(inner: TombstoneStore, n: number, when: "before" | "after", gate: Promise<void>) {
  let calls = 0;
  const reached = deferred();
  const store: TombstoneStore = {
    shared: inner.shared,
    put: (...args) => inner.put(...args),
    get: async (...args) => {
      const mine = ++calls === n;
      if (mine) reached.resolve();
      if (mine && when === "before") await gate;
      const value = await inner.get(...args);
      if (mine && when === "after") await gate;
      return value;
    },
  };
  return { store, reached: reached.promise };
}

describe("tombstones shared by synchronizer replicas", () => {
  it("a delete handled by replica A stops a late older MODIFIED delivered to replica B; per-process tombstones did not", async () => {
    const a = await replica();
    const b = await replica();
    // Replica A alone on the durable: the object is created, then deleted.
    await a.sync.start();
    await handled(a.bus, event("ADDED", "late", 100));
    expect((await read("late"))?.data).toEqual({ v: "100" });
    await handled(a.bus, event("DELETED", "late", 300));
    expect(await read("late")).toBeUndefined();
    await a.sync.stop();

    // Replica B alone: a late, older MODIFIED crafted for the deleted object.
    await b.sync.start();
    await handled(b.bus, event("MODIFIED", "late", 200));
    expect(await read("late")).toBeUndefined();
    expect(b.sync.statsFor(liveSync)).toMatchObject({ applied: 0, skipped: 1 });
    await b.sync.stop();

    // The same with tombstones kept per process (as before): replica C brings it back.
    const c = await replica(() => new MemoryTombstones());
    await c.sync.start();
    await handled(c.bus, event("ADDED", "per-process", 100));
    await c.sync.stop();
    const d = await replica(() => new MemoryTombstones());
    await c.sync.start();
    await handled(c.bus, event("DELETED", "per-process", 300));
    await c.sync.stop();
    await d.sync.start();
    await handled(d.bus, event("MODIFIED", "per-process", 200));
    expect((await read("per-process"))?.data).toEqual({ v: "200" });
  });

  it.each([
    [
      "B read no tombstone, then A handled the delete, then B wrote",
      "after" as const,
      1,
      "skipped",
    ],
    ["B wrote, then A handled the delete before B checked again", "before" as const, 2, "deleted"],
  ])("concurrent: %s -> no copy", async (_, when, n, outcomeOfA) => {
    const name = `race-${n}`;
    const gate = deferred();
    const a = await replica();
    let hold!: ReturnType<typeof held>;
    const b = await replica((shared) => (hold = held(shared, n, when, gate.promise)).store);
    const older = b.sync.apply(b.target, event("ADDED", name, 100));
    await hold.reached;
    // A finds no copy yet (and leaves the tombstone), or finds B's and deletes it.
    expect(await a.sync.apply(a.target, event("DELETED", name, 300))).toBe(outcomeOfA);
    gate.resolve();
    expect(await older).toBe("skipped");
    expect(await read(name)).toBeUndefined();
  });

  it("concurrent update: B read the copy and no tombstone, then A deleted the copy, then B wrote -> no copy", async () => {
    const name = "race-update";
    const gate = deferred();
    const a = await replica();
    expect(await a.sync.apply(a.target, event("ADDED", name, 100))).toBe("created");
    // Applied once since its POST, so B's update is a server-side apply alone.
    expect(await a.sync.apply(a.target, event("MODIFIED", name, 150))).toBe("updated");
    let hold!: ReturnType<typeof held>;
    const b = await replica((shared) => (hold = held(shared, 1, "after", gate.promise)).store);
    const older = b.sync.apply(b.target, event("MODIFIED", name, 200));
    await hold.reached;
    expect(await a.sync.apply(a.target, event("DELETED", name, 300))).toBe("deleted");
    gate.resolve();
    // B's apply is pinned to the copy's uid: it fails on the deleted copy rather than create it
    // again, and deciding again finds A's tombstone.
    expect(await older).toBe("skipped");
    expect(await read(name)).toBeUndefined();
  });

  it("two replicas raising one tombstone at once keep the greater resourceVersion", async () => {
    const [a, b] = [(await replica()).shared, (await replica()).shared];
    const versions = Array.from({ length: 40 }, (_, i) => String(1000 + i)).reverse();
    await Promise.all(versions.map((rv, i) => (i % 2 ? a : b).put(liveSync, "uid-contended", rv)));
    expect(await b.get(liveSync, "uid-contended")).toBe("1039");
  });
});
