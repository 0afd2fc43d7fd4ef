/**
 * Failure injection into SupervisedWatch: a handler that throws, a stream whose connection is
 * reset, and our own aborts. The server is a loopback HTTP server speaking the watch protocol
 * (list, then newline-delimited events), so each failure happens exactly when the test wants.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { KubeConfig } from "@kubernetes/client-node";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { CONFIGMAPS } from "./resources.js";
import { KubeRest } from "./rest.js";
import { SupervisedWatch, type WatchEventType } from "./watch.js";

const cm = (name: string, rv: number) => ({
  metadata: { name, namespace: "ns", uid: `uid-${name}`, resourceVersion: String(rv) },
});
const line = (type: string, obj: unknown) => `${JSON.stringify({ type, object: obj })}\n`;

/** What the fake apiserver does with each watch request, in order; later ones hang open. */
type WatchScript = (res: ServerResponse, query: URLSearchParams) => void;

let server: Server;
let rest: KubeRest;
let watchRequests: URLSearchParams[];
let scripts: WatchScript[];
/** List requests still to answer with a 500 before answering normally. */
let listFailures: number;
let uncaught: unknown[];
const onUncaught = (err: unknown) => uncaught.push(err);

beforeEach(async () => {
  watchRequests = [];
  scripts = [];
  listFailures = 0;
  uncaught = [];
  process.on("uncaughtException", onUncaught);
  server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    res.setHeader("content-type", "application/json");
    if (url.searchParams.get("watch") !== "1") {
      if (listFailures > 0) {
        listFailures--;
        res.writeHead(500).end(JSON.stringify({ kind: "Status", code: 500, message: "etcd down" }));
        return;
      }
      res.end(JSON.stringify({ items: [cm("a", 1)], metadata: { resourceVersion: "1" } }));
      return;
    }
    watchRequests.push(url.searchParams);
    res.writeHead(200);
    res.flushHeaders();
    const script = scripts[watchRequests.length - 1];
    if (script) script(res, url.searchParams);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: "fake", server: `http://127.0.0.1:${port}`, skipTLSVerify: true }],
    users: [{ name: "u" }],
    contexts: [{ name: "c", cluster: "fake", user: "u" }],
    currentContext: "c",
  });
  rest = await KubeRest.fromKubeConfig(kc);
});

afterEach(async () => {
  process.off("uncaughtException", onUncaught);
  rest.close();
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

const until = async (what: string, ok: () => boolean, ms = 5_000) => {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
};
const resetLater = (res: ServerResponse, ms: number) =>
  setTimeout(() => res.socket?.resetAndDestroy(), ms);

function startWatch(
  onEvent: (type: WatchEventType, name: string) => Promise<void>,
  eventsInFlight?: number,
) {
  const errors: string[] = [];
  const lists: string[] = [];
  const watch = new SupervisedWatch(
    rest,
    CONFIGMAPS,
    {
      onList: async (_items, reason) => void lists.push(reason),
      onEvent: (type, obj) => onEvent(type, obj.metadata.name),
      onError: (err) => errors.push((err as Error).message),
    },
    { backoffInitialMs: 50, eventsInFlight },
  );
  watch.start();
  return { watch, errors, lists };
}

describe("SupervisedWatch under failures", () => {
  it("survives a handler that throws and a reset of that stream's connection afterwards", async () => {
    // First watch: one event, then the connection is reset after the handler has thrown.
    scripts.push((res) => {
      res.write(line("MODIFIED", cm("a", 2)));
      resetLater(res, 150);
    });
    // Second watch (resumed): the same event again, then it stays open.
    scripts.push((res) => res.write(line("MODIFIED", cm("a", 2))));
    let calls = 0;
    const handled: string[] = [];
    const { watch, errors } = startWatch(async (type, name) => {
      if (++calls === 1) throw new Error("publish failed");
      handled.push(`${type} ${name}`);
    });
    await until("the event to be handled after the failure", () => handled.length === 1);
    // Give the reset of the first connection time to arrive: it must not end the process.
    await new Promise((r) => setTimeout(r, 400));
    await watch.stop();
    expect(uncaught).toEqual([]);
    expect(errors).toEqual(["publish failed"]);
    expect(handled).toEqual(["MODIFIED a"]);
    // Resumed from the list's version: the failed event was not skipped.
    expect(watchRequests[1]?.get("resourceVersion")).toBe("1");
  });

  it("resumes from the last handled event when the stream's connection is reset", async () => {
    scripts.push((res) => {
      res.write(line("ADDED", cm("b", 5)));
      resetLater(res, 100);
    });
    scripts.push((res) => res.write(line("ADDED", cm("c", 6))));
    const handled: string[] = [];
    const { watch, errors } = startWatch(async (_type, name) => void handled.push(name));
    await until("the second watch's event", () => handled.length === 2);
    await watch.stop();
    expect(uncaught).toEqual([]);
    expect(handled).toEqual(["b", "c"]);
    expect(watchRequests[1]?.get("resourceVersion")).toBe("5");
    expect(errors.length).toBe(1); // the reset is a real failure, reported once
  });

  it("does not report its own aborts (relist, stop) as watch errors", async () => {
    const { watch, errors, lists } = startWatch(async () => undefined);
    await until("the first watch", () => watchRequests.length === 1);
    watch.relist();
    await until("the relist and the next watch", () => watchRequests.length === 2);
    await watch.stop();
    expect(lists).toEqual(["initial", "relist"]);
    expect(errors).toEqual([]);
    expect(uncaught).toEqual([]);
  });

  it("retries a failed relist instead of resuming the watch without it", async () => {
    const { watch, errors, lists } = startWatch(async () => undefined);
    await until("the first watch", () => watchRequests.length === 1);
    listFailures = 1;
    watch.relist();
    await until("the relist after its failure, then the next watch", () => lists.length === 2);
    await until("the next watch", () => watchRequests.length === 2);
    await watch.stop();
    expect(lists).toEqual(["initial", "relist"]);
    expect(errors).toHaveLength(1); // the failed list, reported once
    expect(uncaught).toEqual([]);
  });

  it("handles events concurrently but resumes after the last one finished in order", async () => {
    scripts.push((res) => {
      for (const [name, rv] of [
        ["a", 2],
        ["b", 3],
        ["c", 4],
      ] as const)
        res.write(line("MODIFIED", cm(name, rv)));
    });
    scripts.push((res) => {
      res.write(line("MODIFIED", cm("b", 3)));
      res.write(line("MODIFIED", cm("c", 4)));
    });
    let running = 0;
    let mostAtOnce = 0;
    let failedOnce = false;
    const handled: string[] = [];
    const { watch, errors } = startWatch(async (_type, name) => {
      mostAtOnce = Math.max(mostAtOnce, ++running);
      try {
        await new Promise((r) => setTimeout(r, name === "a" ? 100 : 10));
        if (name === "b" && !failedOnce) {
          failedOnce = true;
          throw new Error("publish failed");
        }
        handled.push(name);
      } finally {
        running--;
      }
    }, 8);
    await until("b and c handled again", () => handled.filter((n) => n !== "a").length >= 3);
    await watch.stop();
    expect(mostAtOnce).toBe(3);
    expect(errors).toEqual(["publish failed"]);
    // c finished before the failure was seen, but the watch resumes after a, the last event
    // whose predecessors all finished: b is redelivered, and c with it.
    expect(watchRequests[1]?.get("resourceVersion")).toBe("2");
    expect(handled.sort()).toEqual(["a", "b", "c", "c"]);
    expect(uncaught).toEqual([]);
  });
});
