/**
 * Replication on a three-node JetStream cluster (this file's own, beside the shared clusters):
 * one node SIGKILLed during an initial sync of 5,000 objects while updates flow, then the whole
 * cluster killed with a backlog waiting. Nothing may be lost, no event applied twice with
 * effect, and the copies must converge; the reconciler stays off so that it hides nothing.
 */
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from "vitest";
import {
  eventually,
  startPrivateNatsCluster,
  type PrivateNatsCluster,
  type StreamReport,
} from "@livesync/testkit";
import { SYNCHRONIZER_DURABLE } from "@livesync/synchronizer";
import { Engine, type EngineOptions } from "../src/index.js";
import { manifestsFor, uniq } from "../src/testing.js";
import {
  Api,
  CONFIGMAPS,
  converge,
  differences,
  expectNoFailures,
  liveSyncKey,
  replicated,
  sleep,
} from "./convergence.js";
import { CopyWrites } from "./copy-writes.js";
import { connectSourceAndDestination, removeMadeAndClose } from "./source-and-destination.js";

const env = inject("testenv");
let nats: PrivateNatsCluster;
let src: Api;
let dst: Api;
const namespaces: string[] = [];
const engines: Engine[] = [];
const watches: CopyWrites[] = [];

beforeAll(async () => {
  [nats, [src, dst]] = await Promise.all([
    startPrivateNatsCluster(),
    connectSourceAndDestination(env),
  ]);
}, 120_000);
afterEach(async () => {
  for (const w of watches.splice(0)) w.stop();
  for (const e of engines.splice(0)) await e.stop().catch(() => undefined);
});
afterAll(async () => {
  await nats?.destroy();
  await removeMadeAndClose([src, dst], { namespaces });
}, 120_000);

/** A source namespace of `count` ConfigMaps (cm-0 … ), created 32 at a time. */
async function namespaceOf(count: number, prefix: string): Promise<string> {
  const ns = uniq(prefix);
  await src.createNamespace(ns, { "e2e-run": ns });
  namespaces.push(ns);
  for (let i = 0; i < count; i += 32) {
    await Promise.all(
      Array.from({ length: Math.min(32, count - i) }, (_, j) =>
        src.create(CONFIGMAPS, ns, { metadata: { name: `cm-${i + j}` }, data: { v: "0" } }),
      ),
    );
  }
  return ns;
}

/** The engine replicating the namespace's ConfigMaps over the cluster, on a stream of its own. */
async function engineFor(ns: string, name: string, stream: string, opts: EngineOptions = {}) {
  const engine = await Engine.start(
    manifestsFor(env, [
      {
        name,
        resources: [
          replicated(CONFIGMAPS, { namespaceSelector: { matchLabels: { "e2e-run": ns } } }),
        ],
      },
    ]),
    { natsUrl: nats.url, stream, firstReconcileDelayMs: 60 * 60_000, ...opts },
  );
  engines.push(engine);
  return engine;
}

/** Updates random ConfigMaps of `ns` (about `perSecond` a second) until `stop` is called. */
function updates(ns: string, count: number, perSecond: number) {
  let running = true;
  let done = 0;
  const loop = (async () => {
    while (running) {
      const started = Date.now();
      await Promise.all(
        Array.from({ length: 5 }, () =>
          src.patch(CONFIGMAPS, ns, `cm-${Math.floor(Math.random() * count)}`, [
            { op: "replace", path: "/data/v", value: String(++done) },
          ]),
        ),
      );
      await sleep(Math.max(0, (5 * 1000) / perSecond - (Date.now() - started)));
    }
  })();
  return {
    get count() {
      return done;
    },
    stop: async () => {
      running = false;
      await loop;
    },
  };
}

const streamName = (prefix: string) => uniq(prefix).toUpperCase().replace(/-/g, "_");

/** The stream's state once it and the synchronizer's consumer have leaders (after elections). */
async function report(stream: string): Promise<StreamReport> {
  let last: StreamReport | undefined;
  return eventually(
    async () => {
      last = await nats.stream(stream);
      return last?.consumers[SYNCHRONIZER_DURABLE] ? last : undefined;
    },
    {
      timeoutMs: 90_000,
      what: () =>
        `leaders for stream ${stream} and its consumer ${SYNCHRONIZER_DURABLE} (last seen: ${JSON.stringify(last)})`,
    },
  );
}

describe("replication over a three-node JetStream cluster", () => {
  it("creates the stream and the consumers with three replicas", async () => {
    const ns = await namespaceOf(1, "natsr3");
    const stream = streamName("R3");
    await engineFor(ns, uniq("r3"), stream);
    const r = await report(stream);
    expect(r.replicas).toHaveLength(3);
    expect(Object.keys(r.consumers).sort()).toContain(SYNCHRONIZER_DURABLE);
  });

  it("one node SIGKILLed in an initial sync of 5,000 objects while updates flow: nothing lost, nothing applied twice", async () => {
    const COUNT = 5_000;
    const ns = await namespaceOf(COUNT, "natskill");
    const writes = await CopyWrites.start(env, ns);
    watches.push(writes);
    const name = uniq("natskill");
    const liveSync = liveSyncKey(name);
    const stream = streamName("KILL");
    const engine = await engineFor(ns, name, stream);
    const flow = updates(ns, COUNT, 25);

    await eventually(async () => (writes.copies >= COUNT / 5 ? true : undefined), {
      timeoutMs: 120_000,
      what: `a fifth of the ${COUNT} copies`,
    });
    const victim = (await report(stream)).leader;
    const atKill = writes.writes;
    await nats.kill(victim);
    await sleep(10_000);
    const whileDown = writes.writes - atKill;
    await nats.restart(victim);
    await sleep(5_000);
    await flow.stop();
    const copiesAtStop = writes.copies;

    const converged = await converge(
      "the copies to converge after the node came back",
      () => differences(src, dst, CONFIGMAPS, { liveSync, namespace: ns }),
      // Most of the initial sync is still to do when the updates stop (2 shared cores).
      { timeoutMs: 480_000, engine, liveSync },
    ).catch(async (err: Error) => {
      // Where the events stand says whether delivery or applying stalled.
      throw new Error(`${err.message}\n  stream: ${JSON.stringify(await nats.stream(stream))}`);
    });
    await expectNoFailures(engine, liveSync);
    // Every write the copies could still see has arrived before they are counted.
    await sleep(1_000);
    const repeated = writes.repeats();
    console.log(
      `one node down (${victim}, the stream's leader): ${COUNT} objects compared, ` +
        `${flow.count} updates, ${writes.copies} copies, ${writes.writes} destination writes, ` +
        `${repeated.length} applied twice or out of order, ${whileDown} writes while ` +
        `the node was down, ${copiesAtStop} copies when the updates stopped, converged ` +
        `${(converged / 1000).toFixed(1)} s after`,
    );
    expect(repeated).toEqual([]);
    expect(whileDown).toBeGreaterThan(0);
    expect(await engine.bus.deadLetters()).toEqual([]);
  }, 900_000);

  it("the whole cluster killed with a backlog: stream, positions and backlog survive; replication resumes", async () => {
    const COUNT = 1_000;
    const ns = await namespaceOf(COUNT, "natsall");
    const name = uniq("natsall");
    const liveSync = liveSyncKey(name);
    const stream = streamName("ALL");
    const compare = () => differences(src, dst, CONFIGMAPS, { liveSync, namespace: ns });
    // First a synced state, so the synchronizer's consumer has a position to keep.
    const first = await engineFor(ns, name, stream);
    await converge("the first sync", compare, { timeoutMs: 120_000, engine: first, liveSync });
    await first.stop();
    const writes = await CopyWrites.start(env, ns);
    watches.push(writes);

    // Then the listener alone: what it publishes waits in the stream as a backlog.
    await engineFor(ns, name, stream, { components: ["events-listener"] });
    // Its start republishes every object (RESYNC, skipped later as not newer), then updates.
    const flow = updates(ns, COUNT, 50);
    await eventually(
      async () => ((await nats.stream(stream))?.lastSeq ?? 0) >= 2 * COUNT + 200 || undefined,
      { timeoutMs: 120_000, what: "the listener's resync and 200 updates in the stream" },
    );
    await flow.stop();
    await sleep(2_000); // the last updates' events reach the stream
    const before = await report(stream);
    const position = before.consumers[SYNCHRONIZER_DURABLE]!;

    await nats.killAll();
    // The source keeps changing while the bus is down: the listener must carry it over.
    const outage = updates(ns, COUNT, 20);
    await sleep(5_000);
    await outage.stop();
    await nats.restartAll();

    const after = await report(stream);
    expect(after.firstSeq).toBe(before.firstSeq);
    expect(after.lastSeq).toBeGreaterThanOrEqual(before.lastSeq);
    expect(after.messages).toBeGreaterThanOrEqual(before.messages);
    const kept = after.consumers[SYNCHRONIZER_DURABLE];
    expect(position.ackFloorSeq).toBeGreaterThan(0);
    expect(kept?.ackFloorSeq).toBe(position.ackFloorSeq);
    expect(kept?.deliveredSeq).toBe(position.deliveredSeq);
    expect(kept?.numPending).toBeGreaterThanOrEqual(position.numPending);
    expect(writes.writes).toBe(0);

    const resumed = Date.now();
    const engine = await engineFor(ns, name, stream, { components: ["synchronizer"] });
    await converge("the backlog to be applied after the cluster came back", compare, {
      timeoutMs: 240_000,
      engine,
      liveSync,
    });
    const convergedAfter = Date.now() - resumed;
    const final = await report(stream);
    await expectNoFailures(engine, liveSync);
    await sleep(1_000);
    const repeated = writes.repeats();
    console.log(
      `whole cluster down: stream seq ${before.firstSeq}-${before.lastSeq} and the ` +
        `synchronizer's position (ack floor ${position.ackFloorSeq}, ${position.numPending} ` +
        `pending) survived; ${final.lastSeq - before.lastSeq} events published after the ` +
        `kill (${outage.count} source updates while NATS was down); ${COUNT} objects compared, ${writes.writes} destination writes, ` +
        `${repeated.length} applied twice or out of order, converged ` +
        `${(convergedAfter / 1000).toFixed(1)} s after the synchronizer started`,
    );
    expect(repeated).toEqual([]);
    expect(await engine.bus.deadLetters()).toEqual([]);
  }, 600_000);
});
