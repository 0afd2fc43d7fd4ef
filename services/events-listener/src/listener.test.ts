/**
 * Re-discovery of resources the source did not serve at start (issue 15), against a fake source:
 * discovery that learns a CRD on demand, a list that returns one object and a watch that stays
 * open until aborted.
 */
import { PassThrough } from "node:stream";
import type { EventBus } from "@livesync/bus";
import { decodeEvent } from "@livesync/core";
import { UnknownResourceError, type Cluster, type Gvr, type KubeRest } from "@livesync/kube";
import { afterEach, describe, expect, it } from "vitest";
import { EventsListener } from "./listener.js";

const WIDGETS = { group: "example.com", version: "v1", resource: "widgets" };
const GADGETS = { group: "example.com", version: "v1", resource: "gadgets" };
const CONFIGMAPS = { group: "", version: "v1", resource: "configmaps" };

/**
 * A source serving configmaps, and whatever else `serve` adds later. With `failingWatches`, that
 * many watch requests fail before one opens (and stays open until aborted).
 */
function fakeSource({ failingWatches = 0 } = {}) {
  let watches = 0;
  const served = new Set(["v1/configmaps"]);
  const key = (g: Gvr) => `${g.group ? `${g.group}/` : ""}${g.version}/${g.resource}`;
  const invalidated: Gvr[][] = [];
  const discovery = {
    async resolve(g: Gvr) {
      if (!served.has(key(g))) throw new UnknownResourceError(g, "not served");
      return { ...g, kind: g.resource, namespaced: true, verbs: ["list", "watch"] };
    },
    invalidate: (gvrs: Gvr[]) => void invalidated.push(gvrs),
  };
  const rest = {
    async request() {
      const metadata = { name: "one", namespace: "ns", uid: "u1", resourceVersion: "7" };
      return { items: [{ metadata }], metadata: { resourceVersion: "7" } };
    },
    stream: (_path: string, _query: unknown, signal: AbortSignal) => {
      if (++watches <= failingWatches) return Promise.reject(new Error("connection reset"));
      if (!failingWatches)
        return new Promise((_, reject) =>
          signal.addEventListener("abort", () => reject(signal.reason)),
        );
      const open = new PassThrough();
      signal.addEventListener("abort", () => open.destroy(signal.reason as Error));
      return Promise.resolve(open);
    },
  } as unknown as KubeRest;
  const source = { name: "src", rest, discovery } as unknown as Cluster;
  return { source, invalidated, serve: (g: Gvr) => served.add(key(g)) };
}

/** Records the resource of each event the listener publishes. */
function fakeBus() {
  const published: string[] = [];
  const bus = {
    async publish(_subject: string, data: Uint8Array) {
      published.push(decodeEvent(data).gvr.resource);
      return { duplicate: false };
    },
  } as unknown as EventBus;
  return { bus, published };
}

const until = async (cond: () => boolean) => {
  for (let i = 0; i < 600 && !cond(); i++) await new Promise((r) => setTimeout(r, 5));
  expect(cond()).toBe(true);
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let listener: EventsListener | undefined;
afterEach(() => listener?.stop());

describe("EventsListener re-discovery", () => {
  it("tracks a resource once the source serves it, and clears its error", async () => {
    const src = fakeSource();
    const { bus, published } = fakeBus();
    listener = new EventsListener(
      {
        liveSync: "ns/ls",
        source: src.source,
        resources: [CONFIGMAPS, WIDGETS, GADGETS],
        rediscoverIntervalMs: 10,
      },
      bus,
    );
    await listener.start();
    expect(Object.keys(listener.stats.resourceErrors)).toEqual(["1", "2"]);
    await until(() => published.includes("configmaps"));

    // One refresh per round, for all the missing resources at once.
    await until(() => src.invalidated.length >= 2);
    expect(src.invalidated[0]).toEqual([WIDGETS, GADGETS]);

    src.serve(WIDGETS);
    await until(() => published.includes("widgets"));
    expect(Object.keys(listener.stats.resourceErrors)).toEqual(["2"]);
    src.serve(GADGETS);
    await until(() => published.includes("gadgets"));
    expect(listener.stats.resourceErrors).toEqual({});

    // Nothing missing any more: the rounds stop.
    const rounds = src.invalidated.length;
    await sleep(50);
    expect(src.invalidated.length).toBe(rounds);
  });

  it("stop() ends the periodic rounds", async () => {
    const src = fakeSource();
    listener = new EventsListener(
      { liveSync: "ns/ls", source: src.source, resources: [WIDGETS], rediscoverIntervalMs: 10 },
      fakeBus().bus,
    );
    await listener.start();
    await until(() => src.invalidated.length >= 1);
    await listener.stop();
    const rounds = src.invalidated.length;
    src.serve(WIDGETS);
    await sleep(50);
    expect(src.invalidated.length).toBe(rounds);
    expect(Object.keys(listener.stats.resourceErrors)).toEqual(["0"]);
  });
});

describe("EventsListener watch errors", () => {
  it("shows a failed watch in its stats until the watch is open again", async () => {
    const src = fakeSource({ failingWatches: 2 });
    listener = new EventsListener(
      { liveSync: "ns/ls", source: src.source, resources: [CONFIGMAPS] },
      fakeBus().bus,
    );
    await listener.start();
    await until(() => listener!.stats.watchErrors >= 1);
    expect(listener.stats.lastWatchError).toBe("v1/configmaps: connection reset");
    // The third watch opens (after the supervised backoff): the error leaves the status.
    await until(() => listener!.stats.watchErrors === 2 && !listener!.stats.lastWatchError);
  });
});
