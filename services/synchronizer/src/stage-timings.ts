// Where an event's time goes between the source and the destination, summed over events, so a
// benchmark (or an operator) can see which stage sets the pace of a sync.

import type { Limiter } from "@livesync/bus";

/**
 * publish: observed by the listener -> stored by the bus; bus: stored -> handed to the
 * synchronizer; decide: handed over -> first destination write (decoding, the per-object lock,
 * the guard, the tombstone); write: the destination writes of an event that wrote.
 */
export const STAGES = ["publish", "bus", "decide", "write"] as const;
export type Stage = (typeof STAGES)[number];

export interface StageTotals {
  count: number;
  totalMs: number;
  maxMs: number;
}

export interface StageSummary {
  stages: Record<Stage, StageTotals & { meanMs: number }>;
  /** First write began and last write ended (ms since the epoch), when anything was written. */
  writeWindow?: { from: number; to: number };
  /** Writes in flight on average over writeWindow: below the concurrency, writes wait on input. */
  writesInFlight?: number;
}

export class StageTimings {
  private readonly totals = Object.fromEntries(
    STAGES.map((s) => [s, { count: 0, totalMs: 0, maxMs: 0 }]),
  ) as Record<Stage, StageTotals>;
  private firstWriteAt?: number;
  private lastWriteEndAt?: number;

  /** One event spent `ms` in `stage` (a clock step backwards counts as 0). */
  add(stage: Stage, ms: number): void {
    const t = this.totals[stage];
    const d = Math.max(0, ms);
    t.count++;
    t.totalMs += d;
    t.maxMs = Math.max(t.maxMs, d);
  }

  /** A destination write from `start` to `end` (ms since the epoch). */
  addWrite(start: number, end: number): void {
    this.add("write", end - start);
    this.firstWriteAt = Math.min(this.firstWriteAt ?? start, start);
    this.lastWriteEndAt = Math.max(this.lastWriteEndAt ?? end, end);
  }

  summary(): StageSummary {
    const stages = Object.fromEntries(
      STAGES.map((s) => {
        const t = this.totals[s];
        return [s, { ...t, meanMs: t.count ? t.totalMs / t.count : 0 }];
      }),
    ) as StageSummary["stages"];
    const from = this.firstWriteAt;
    const to = this.lastWriteEndAt;
    if (from === undefined || to === undefined) return { stages };
    const span = to - from;
    return {
      stages,
      writeWindow: { from, to },
      writesInFlight: span > 0 ? stages.write.totalMs / span : undefined,
    };
  }
}

/**
 * One event's destination writes, each in one of `slots` (when given) and timed into `timings`;
 * what remains of the event's time is deciding (waiting for a slot included).
 */
export class EventClock {
  private writeMs = 0;
  private readonly handedAt = Date.now();

  constructor(
    private readonly timings: StageTimings,
    private readonly slots?: Limiter,
  ) {}

  async write<T>(fn: () => Promise<T>): Promise<T> {
    await this.slots?.acquire();
    const start = Date.now();
    try {
      return await fn();
    } finally {
      const end = Date.now();
      this.slots?.release();
      this.writeMs += end - start;
      this.timings.addWrite(start, end);
    }
  }

  /** The event is handled: everything but its writes was deciding. */
  done(): void {
    this.timings.add("decide", Date.now() - this.handedAt - this.writeMs);
  }
}
