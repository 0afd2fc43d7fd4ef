// Where processes publish their view of each LiveSynchronization and the operator reads them:
// the installation's JetStream key-value bucket `<stream>_STATUS`, one entry per process and
// LiveSynchronization, expiring a few minutes after the process stops writing it.

import { JetStreamBus, kvToken, type EventBus, type KeyValue } from "@livesync/bus";
import { connectBus, type BusOptions } from "./connect-bus.js";
import type { LiveSyncStatus } from "./engine.js";
import type { Component } from "./live-sync-runtime.js";
import { liveReports, type ProcessReport } from "./status-merge.js";

export const STATUS_BUCKET = "STATUS";
/** Entries of stopped processes go after this; the operator ignores them much earlier. */
const STATUS_TTL_MS = 5 * 60_000;
export const DEFAULT_REPORT_INTERVAL_MS = 5_000;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** "<namespace>.<name>.<process>" */
const keyOf = (liveSync: string, process: string) =>
  [...liveSync.split("/"), process].map(kvToken).join(".");

/** Publishes this process's statuses every interval until stopped. */
export class StatusReporter {
  private timer?: NodeJS.Timeout;
  private writing: Promise<void> = Promise.resolve();

  private constructor(
    private readonly kv: KeyValue,
    private readonly process: string,
    private readonly components: Component[],
    private readonly statuses: () => Promise<LiveSyncStatus[]>,
  ) {}

  static async start(
    bus: JetStreamBus,
    who: { process: string; components: Component[] },
    statuses: () => Promise<LiveSyncStatus[]>,
    intervalMs = DEFAULT_REPORT_INTERVAL_MS,
  ): Promise<StatusReporter> {
    const kv = await bus.keyValue(STATUS_BUCKET, { ttlMs: STATUS_TTL_MS });
    const reporter = new StatusReporter(kv, who.process, who.components, statuses);
    const tick = () => {
      reporter.writing = reporter.report().catch(() => undefined); // NATS down: next tick
      reporter.timer = setTimeout(tick, intervalMs);
      reporter.timer.unref();
    };
    tick();
    return reporter;
  }

  /** Writes one report per LiveSynchronization now. */
  async report(): Promise<void> {
    const at = new Date().toISOString();
    const statuses = await this.statuses();
    await Promise.all(
      statuses.map((status) => {
        const r: ProcessReport = {
          process: this.process,
          components: this.components,
          at,
          status,
        };
        return this.kv.put(keyOf(status.liveSync, this.process), encoder.encode(JSON.stringify(r)));
      }),
    );
  }

  async stop(): Promise<void> {
    clearTimeout(this.timer);
    await this.writing;
  }
}

/** Reads the reports of the processes heard from recently. */
export class StatusBoard {
  private constructor(
    private readonly kv: KeyValue,
    /** A connection opened for the board alone, closed with it. */
    private readonly own?: EventBus,
  ) {}

  /**
   * On `shared` (this process's engine bus) when it is JetStream, else on a connection of its
   * own when `opts` names NATS; undefined without JetStream (nobody reports then).
   */
  static async open(
    shared: EventBus | undefined,
    opts: BusOptions,
  ): Promise<StatusBoard | undefined> {
    const own = shared || !opts.natsUrl ? undefined : await connectBus(opts);
    const bus = shared ?? own;
    if (!(bus instanceof JetStreamBus)) return undefined;
    try {
      return new StatusBoard(await bus.keyValue(STATUS_BUCKET, { ttlMs: STATUS_TTL_MS }), own);
    } catch (err) {
      await own?.close();
      throw err;
    }
  }

  async close(): Promise<void> {
    await this.own?.close();
  }

  /** Live reports, but those of `except` (this process: its engine's status is at hand). */
  async read(except?: string): Promise<ProcessReport[]> {
    const reports: ProcessReport[] = [];
    for (const e of (await this.kv.entries()).values()) {
      try {
        reports.push(JSON.parse(decoder.decode(e.value)) as ProcessReport);
      } catch {
        // not a report (written by something else): ignored
      }
    }
    return liveReports(reports, Date.now(), { except });
  }
}
