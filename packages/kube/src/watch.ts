import type { IncomingMessage } from "node:http";
import { groupVersion } from "@livesync/api";
import { isGone, KubeApiError } from "./errors.js";
import { listPages, type KubeObject } from "./objects.js";
import { collectionPath, type ResourceInfo } from "./resources.js";
import type { KubeRest } from "./rest.js";

export type WatchEventType = "ADDED" | "MODIFIED" | "DELETED";

export type ListReason = "initial" | "relist";

interface WatchHandlersBase {
  onEvent(type: WatchEventType, obj: KubeObject): Promise<void>;
  /** A failure the watch recovers from by itself (it backs off and retries). */
  onError?(err: unknown): void;
  /** A watch stream was opened: the watch works (again), whether or not events follow. */
  onConnected?(): void;
}

/** The whole list in one call, after the first list and after every relist (410, restart). */
export interface WholeListHandlers extends WatchHandlersBase {
  /** The complete current state, every object held in memory at once: small collections only. */
  onList(items: KubeObject[], reason: ListReason): Promise<void>;
  onListPage?: undefined;
}

/**
 * The list page by page, none of them kept by the watch: memory holds a page, not the list.
 */
export interface PagedListHandlers extends WatchHandlersBase {
  /**
   * Each page as it arrives (`page` counts from 0): work on the first objects starts while the
   * rest are still being listed. The next page is requested once this resolves, so a handler
   * that cannot keep up holds the listing back instead of piling pages up.
   */
  onListPage(items: KubeObject[], reason: ListReason, page: number): Promise<void>;
  /** After the last page: the list is complete and held `count` objects. */
  onListDone(count: number, reason: ListReason): Promise<void>;
}

export type WatchHandlers = WholeListHandlers | PagedListHandlers;

export interface SupervisedWatchOptions {
  namespace?: string;
  labelSelector?: string;
  /** No event and no bookmark for this long: assume a silently dead connection and re-watch. */
  idleTimeoutMs?: number;
  /** Ask the server to end each watch after this long; it is resumed from the last version. */
  watchTimeoutSeconds?: number;
  backoffInitialMs?: number;
  backoffMaxMs?: number;
  /**
   * List and watch metadata only (PartialObjectMetadata): for callers that read nothing else, a
   * fraction of the bytes to receive and parse.
   */
  metadataOnly?: boolean;
  /**
   * Events handed to onEvent before the earliest of them has finished (default 1: one at a
   * time). The resume point moves past an event only once it and every earlier one have
   * finished, so a failure redelivers from the first unfinished event: handlers must take an
   * event twice (a publish with a message id does).
   */
  eventsInFlight?: number;
}

/**
 * list-then-watch that never gives up: 410 Gone relists, any other error backs off (capped
 * exponential) and resumes from the last resourceVersion, bookmarks keep that version fresh,
 * and an idle watchdog restarts watches that hang without an error.
 */
export class SupervisedWatch {
  private stopped = false;
  private abort?: AbortController;
  private resourceVersion?: string;
  private relistRequested = false;
  private listed = false;
  private loop?: Promise<void>;
  private readonly opts: Required<
    Omit<SupervisedWatchOptions, "namespace" | "labelSelector" | "metadataOnly" | "eventsInFlight">
  > &
    SupervisedWatchOptions;

  constructor(
    private readonly rest: KubeRest,
    readonly info: ResourceInfo,
    private readonly handlers: WatchHandlers,
    opts: SupervisedWatchOptions = {},
  ) {
    this.opts = {
      idleTimeoutMs: 90_000,
      watchTimeoutSeconds: 300,
      backoffInitialMs: 200,
      backoffMaxMs: 30_000,
      ...opts,
    };
  }

  start(): void {
    this.loop ??= this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.abort?.abort();
    await this.loop;
  }

  /** Relist now (periodic resync): the next list carries the full current state. */
  relist(): void {
    this.relistRequested = true;
    this.abort?.abort();
  }

  private async run(): Promise<void> {
    let backoff = this.opts.backoffInitialMs;
    while (!this.stopped) {
      try {
        if (this.resourceVersion === undefined || this.relistRequested) {
          // Cleared before listing so that a relist() during the list asks for another one;
          // set again when the list fails, so that the retry lists instead of resuming the watch.
          const requested = this.relistRequested;
          this.relistRequested = false;
          const reason = this.listed ? "relist" : "initial";
          const resourceVersion = await this.list(reason).catch((err: unknown) => {
            this.relistRequested ||= requested;
            throw err;
          });
          this.listed = true;
          this.resourceVersion = resourceVersion;
        }
        await this.watchOnce();
        backoff = this.opts.backoffInitialMs;
      } catch (err) {
        if (this.stopped) break;
        if (isGone(err)) {
          this.resourceVersion = undefined; // history compacted: start again from a list
          continue;
        }
        if (err instanceof OwnAbort) continue; // watchdog or relist() aborted the stream
        this.handlers.onError?.(err);
        await sleep(backoff);
        backoff = Math.min(backoff * 2, this.opts.backoffMaxMs);
      }
    }
  }

  /** One complete list, handed over as the handlers ask; returns its resourceVersion. */
  private async list(reason: ListReason): Promise<string> {
    const h = this.handlers;
    if (!h.onListPage) {
      const items: KubeObject[] = [];
      const version = await listPages(this.rest, this.info, this.opts, (p) => {
        items.push(...p);
      });
      await h.onList(items, reason);
      return version;
    }
    let page = 0;
    let count = 0;
    const version = await listPages(this.rest, this.info, this.opts, async (p) => {
      count += p.length;
      await h.onListPage(p, reason, page++);
    });
    await h.onListDone(count, reason);
    return version;
  }

  private async watchOnce(): Promise<void> {
    const abort = new AbortController();
    this.abort = abort;
    if (this.stopped) return;
    let idle: NodeJS.Timeout | undefined;
    const armWatchdog = () => {
      clearTimeout(idle);
      idle = setTimeout(() => abort.abort(), this.opts.idleTimeoutMs);
    };
    armWatchdog();
    let res: IncomingMessage | undefined;
    // A failed handler ends this stream at once, even while no further event arrives.
    let failure: { error: unknown } | undefined;
    const handled = new InOrder(
      this.opts.eventsInFlight ?? 1,
      (version) => (this.resourceVersion = version),
      (error) => {
        failure ??= { error };
        abort.abort();
      },
    );
    try {
      res = await this.rest.stream(
        collectionPath(this.info, this.opts.namespace),
        {
          watch: 1,
          allowWatchBookmarks: true,
          resourceVersion: this.resourceVersion,
          timeoutSeconds: this.opts.watchTimeoutSeconds,
          labelSelector: this.opts.labelSelector,
        },
        abort.signal,
        this.opts.metadataOnly ? METADATA_WATCH : undefined,
      );
      this.handlers.onConnected?.();
      for await (const line of lines(res)) {
        armWatchdog();
        if (!line.trim()) continue;
        const event = JSON.parse(line) as { type: string; object: KubeObject & { code?: number } };
        if (event.type === "BOOKMARK") {
          await handled.push(event.object.metadata.resourceVersion, Promise.resolve());
          continue;
        }
        if (event.type === "ERROR") {
          const code = event.object.code ?? 500;
          throw new KubeApiError(
            code,
            code === 410 ? "Expired" : "WatchError",
            JSON.stringify(event.object),
          );
        }
        const obj = { ...event.object, apiVersion: groupVersion(this.info), kind: this.info.kind };
        const type = event.type as WatchEventType;
        // Started now, in stream order; a synchronous throw becomes a rejection.
        const work = (async () => this.handlers.onEvent(type, obj))();
        await handled.push(obj.metadata.resourceVersion, work);
      }
      await handled.drain();
    } catch (err) {
      // Events still in flight finish (or fail) before the watch resumes from the last one
      // confirmed: a retry redelivers them.
      await handled.settle();
      if (failure) throw failure.error;
      // Our own abort may surface as AbortError, ECONNRESET or "aborted", depending on when
      // it hits the request: the signal, not the error's shape, says whose it was.
      if (abort.signal.aborted) throw new OwnAbort();
      throw err;
    } finally {
      clearTimeout(idle);
      // A handler that threw leaves the response open; a later reset of its socket would then
      // emit an 'error' nobody listens to and end the process. Close it, and swallow its errors.
      res?.on("error", () => undefined).destroy();
    }
  }
}

/**
 * Handler calls in flight, confirmed in the order they started: `confirm` gets the version of
 * each once it and every earlier one have finished; `fail` hears of a failure as it happens.
 */
class InOrder {
  private queue: { version: string | undefined; done: Promise<void> }[] = [];

  constructor(
    private readonly size: number,
    private readonly confirm: (version: string | undefined) => void,
    private readonly fail: (error: unknown) => void,
  ) {}

  async push(version: string | undefined, done: Promise<void>): Promise<void> {
    done.catch(this.fail);
    this.queue.push({ version, done });
    while (this.queue.length >= this.size) await this.confirmHead();
  }

  async drain(): Promise<void> {
    while (this.queue.length > 0) await this.confirmHead();
  }

  /** Waits for every call; confirms those that finished before the first failure. */
  async settle(): Promise<void> {
    const results = await Promise.allSettled(this.queue.map((q) => q.done));
    const ok = results.findIndex((r) => r.status === "rejected");
    for (const q of this.queue.slice(0, ok < 0 ? undefined : ok)) this.confirm(q.version);
    this.queue = [];
  }

  private async confirmHead(): Promise<void> {
    const head = this.queue[0]!;
    await head.done;
    this.queue.shift();
    this.confirm(head.version);
  }
}

/** Accept header of a metadata-only watch: its events carry PartialObjectMetadata. */
const METADATA_WATCH = "application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1";

/** The stream was ended by the watchdog, relist() or stop(), not by a failure. */
class OwnAbort extends Error {}

/**
 * The lines of a watch response. Async iteration of the stream itself (not readline, whose
 * interface re-emits socket errors as an 'error' event after the loop has ended) turns a
 * failing stream into a rejected iteration and nothing else.
 */
async function* lines(res: IncomingMessage): AsyncGenerator<string> {
  res.setEncoding("utf8");
  let buffered = "";
  for await (const chunk of res as AsyncIterable<string>) {
    // Only the new chunk can hold the next newline: big objects span many chunks.
    let from = buffered.length;
    buffered += chunk;
    let newline: number;
    while ((newline = buffered.indexOf("\n", from)) >= 0) {
      yield buffered.slice(0, newline);
      buffered = buffered.slice(newline + 1);
      from = 0;
    }
  }
  if (buffered) yield buffered;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
