/**
 * The informer's store against a fake apiserver: lists answered from a script, one watch stream
 * the test writes events into. What is checked is the store: the ordering check on every state
 * (list, watch, record), deletions by uid, the projection, `gone` on a relist, and a resource
 * that is not served.
 */
import { PassThrough } from "node:stream";
import { afterEach, describe, expect, it } from "vitest";
import { KubeApiError } from "./errors.js";
import { Informer, type StoredObject } from "./informer.js";
import type { KubeObject } from "./objects.js";
import { CONFIGMAPS } from "./resources.js";
import type { KubeRest } from "./rest.js";

const cm = (name: string, rv: number, uid = `uid-${name}`, data?: string): KubeObject => ({
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: { name, namespace: "ns", uid, resourceVersion: String(rv) },
  ...(data ? { data: { v: data } } : {}),
});

/**
 * A fake apiserver: each list answers with the next of `lists` (or fails with `listError`), in
 * pages of `pageSize` objects.
 */
function fakeRest(lists: KubeObject[][], listError?: Error, pageSize = Infinity) {
  let streams: PassThrough[] = [];
  let listing: KubeObject[] = [];
  const rest = {
    async request(_method: string, _path: string, opts?: { query?: { continue?: string } }) {
      if (listError) throw listError;
      const from = Number(opts?.query?.continue ?? 0);
      if (from === 0) listing = lists.length > 1 ? lists.shift()! : lists[0]!;
      const to = from + pageSize;
      const more = to < listing.length ? String(to) : undefined;
      return { items: listing.slice(from, to), metadata: { resourceVersion: "1", continue: more } };
    },
    async stream(_path: string, _query: unknown, signal: AbortSignal) {
      const s = new PassThrough();
      signal.addEventListener("abort", () => s.destroy(new Error("aborted")));
      streams.push(s);
      return s;
    },
  } as unknown as KubeRest;
  const send = (type: string, object: KubeObject) =>
    streams.at(-1)!.write(`${JSON.stringify({ type, object })}\n`);
  return { rest, send, reset: () => (streams = []), streams: () => streams };
}

const until = async (what: string, ok: () => boolean) => {
  for (let i = 0; i < 400 && !ok(); i++) await new Promise((r) => setTimeout(r, 5));
  if (!ok()) throw new Error(`timed out waiting for ${what}`);
};

let informer: Informer<StoredObject> | undefined;
afterEach(() => informer?.stop());

const rvOf = (i: Informer<StoredObject>, name: string) =>
  i.get("ns", name)?.metadata.resourceVersion;

describe("Informer", () => {
  it("is ready after the first list and keeps the newest state of each object", async () => {
    const api = fakeRest([[cm("a", 5), cm("b", 5)]]);
    const events: string[] = [];
    informer = new Informer(api.rest, CONFIGMAPS, {
      onEvent: async (type, o) => void events.push(`${type} ${o.metadata.name}`),
    });
    informer.start();
    await informer.ready();
    expect(informer.hasSynced).toBe(true);
    expect(informer.list().map((o) => o.metadata.name)).toEqual(["a", "b"]);
    await until("the watch", () => api.streams().length === 1);

    // Our own write's answer, then the watch delivers a newer state, then an older one.
    informer.record(cm("a", 7));
    api.send("MODIFIED", cm("a", 9));
    api.send("MODIFIED", cm("a", 8));
    await until("both events", () => events.length === 2);
    expect(rvOf(informer, "a")).toBe("9");
    // An older answer to our write never hides the newer state the watch brought first.
    informer.record(cm("a", 6));
    expect(rvOf(informer, "a")).toBe("9");
    // Another incarnation (new uid) is never "older": it replaces.
    informer.record(cm("a", 2, "uid-a2"));
    expect(informer.get("ns", "a")?.metadata.uid).toBe("uid-a2");
    // Incomparable versions are not ordered: the latest offer wins.
    const opaque = cm("a", 0, "uid-a2");
    opaque.metadata.resourceVersion = "x";
    informer.record(opaque);
    expect(rvOf(informer, "a")).toBe("x");
  });

  it("deletes only the incarnation the event names; forget() deletes at once", async () => {
    const api = fakeRest([[cm("a", 5), cm("b", 5)]]);
    let deletes = 0;
    informer = new Informer(api.rest, CONFIGMAPS, {
      onEvent: async (type) => void (type === "DELETED" && deletes++),
    });
    informer.start();
    await informer.ready();
    await until("the watch", () => api.streams().length === 1);
    informer.record(cm("a", 6, "uid-a2")); // re-created by us; the old one's delete follows
    api.send("DELETED", cm("a", 5));
    api.send("DELETED", cm("b", 5));
    await until("the deletes", () => deletes === 2);
    expect(informer.get("ns", "a")?.metadata.uid).toBe("uid-a2");
    expect(informer.get("ns", "b")).toBeUndefined();
    informer.forget("ns", "a");
    expect(informer.list()).toEqual([]);
  });

  it("orders a list against the store, and reports on relist what the list no longer holds", async () => {
    const api = fakeRest([
      [cm("a", 5), cm("b", 5)],
      [cm("a", 6), cm("c", 6)],
    ]);
    const lists: { reason: string; gone: string[] }[] = [];
    informer = new Informer(api.rest, CONFIGMAPS, {
      onList: async (_items, reason, gone) =>
        void lists.push({ reason, gone: gone.map((o) => o.metadata.name) }),
    });
    informer.start();
    await informer.ready();
    await until("the watch", () => api.streams().length === 1);
    informer.record(cm("a", 8)); // newer than what the relist will bring
    informer.relist();
    await until("the relist", () => lists.length === 2);
    expect(lists).toEqual([
      { reason: "initial", gone: [] },
      { reason: "relist", gone: ["b"] },
    ]);
    expect(rvOf(informer, "a")).toBe("8");
    expect(informer.list().map((o) => o.metadata.name)).toEqual(["a", "c"]);
  });

  it("builds the next store from the pages and swaps it in when the list is complete", async () => {
    const api = fakeRest(
      [
        [cm("a", 5), cm("b", 5), cm("c", 5)],
        [cm("a", 6), cm("c", 6), cm("d", 6)],
      ],
      undefined,
      1,
    );
    const lists: { count: number; reason: string; gone: string[] }[] = [];
    const pages: number[] = [];
    let releasePage1!: () => void;
    const holdPage1 = new Promise<void>((r) => (releasePage1 = r));
    informer = new Informer(api.rest, CONFIGMAPS, {
      onListPage: async (_items, reason, page) => {
        pages.push(page);
        if (reason === "relist" && page === 1) await holdPage1;
      },
      onList: async (count, reason, gone) =>
        void lists.push({ count, reason, gone: gone.map((o) => o.metadata.name) }),
    });
    informer.start();
    await informer.ready();
    expect(lists).toEqual([{ count: 3, reason: "initial", gone: [] }]);
    expect(pages).toEqual([0, 1, 2]);
    await until("the watch", () => api.streams().length === 1);

    informer.relist();
    await until("the relist's second page", () => pages.length === 5);
    // Mid-list, the store is still the last complete state, and the next page waits.
    expect(informer.list().map((o) => `${o.metadata.name}@${o.metadata.resourceVersion}`)).toEqual([
      "a@5",
      "b@5",
      "c@5",
    ]);
    await new Promise((r) => setTimeout(r, 20));
    expect(pages).toHaveLength(5);
    // Our own write during the list, newer than the page that brought "a" already.
    informer.record(cm("a", 9));
    releasePage1();
    await until("the relist", () => lists.length === 2);
    expect(lists[1]).toEqual({ count: 3, reason: "relist", gone: ["b"] });
    expect(informer.list().map((o) => `${o.metadata.name}@${o.metadata.resourceVersion}`)).toEqual([
      "a@9",
      "c@6",
      "d@6",
    ]);
  });

  it("reports what a relist no longer holds again when its handler failed", async () => {
    const api = fakeRest([[cm("a", 5), cm("b", 5)], [cm("a", 5)]]);
    const gones: string[][] = [];
    const errors: string[] = [];
    informer = new Informer(
      api.rest,
      CONFIGMAPS,
      {
        onList: async (_count, reason, gone) => {
          gones.push(gone.map((o) => o.metadata.name));
          if (reason === "relist" && gones.length === 2) throw new Error("bus unreachable");
        },
        onError: (e) => errors.push((e as Error).message),
      },
      { backoffInitialMs: 5 },
    );
    informer.start();
    await informer.ready();
    await until("the watch", () => api.streams().length === 1);
    informer.relist();
    await until("the failed relist and the watch after it", () => api.streams().length === 2);
    expect(errors).toEqual(["bus unreachable"]);
    informer.relist();
    await until("the next relist", () => gones.length === 3);
    expect(gones).toEqual([[], ["b"], ["b"]]);
    expect(informer.list().map((o) => o.metadata.name)).toEqual(["a"]);
  });

  it("keeps only the projection", async () => {
    const api = fakeRest([[cm("a", 5, "uid-a", "big")]]);
    const informer = new Informer(
      api.rest,
      CONFIGMAPS,
      {},
      { project: (o) => ({ metadata: { ...o.metadata } }) },
    );
    informer.start();
    await informer.ready();
    expect(informer.list()).toEqual([{ metadata: cm("a", 5).metadata }]);
    await informer.stop();
  });

  it("with notFoundIsEmpty, a resource not served is synced and empty", async () => {
    const api = fakeRest([[]], new KubeApiError(404, "NotFound", "no such resource"));
    const lists: number[] = [];
    const errors: unknown[] = [];
    informer = new Informer(
      api.rest,
      CONFIGMAPS,
      { onList: async (count) => void lists.push(count), onError: (e) => errors.push(e) },
      { notFoundIsEmpty: true },
    );
    informer.start();
    await informer.ready();
    expect(informer.hasSynced).toBe(true);
    expect(lists).toEqual([0]);
    expect(informer.lastError).toMatch(/no such resource/);
    expect(errors.length).toBeGreaterThan(0);
  });
});
