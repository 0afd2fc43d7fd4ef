/**
 * Where an initial sync's time went: when each stage was done (seconds since livesync started)
 * and what one event spent in each, so the stage that sets the pace can be read off.
 */
import type { monitorEventLoopDelay } from "node:perf_hooks";
import type { Engine } from "@livesync/engine";

type InitialList = NonNullable<ReturnType<Engine["listenerStats"]>>["initialList"];
type StageSummary = ReturnType<NonNullable<Engine["synchronizer"]>["stagesFor"]>;

export interface BreakdownInputs {
  objects: number;
  syncConcurrency: number;
  /** Objects per second of the faster direct baseline. */
  directPerSecond: number;
  /** ms since the epoch */
  startedAt: number;
  engineStartedAt: number;
  allWrittenAt: number;
  acksDrainedAt: number;
  list: InitialList;
  stages: StageSummary;
  /** The event loop's delays in the process running livesync (and this benchmark). */
  loopDelay: ReturnType<typeof monitorEventLoopDelay>;
}

const round = (n: number, digits = 3) => Math.round(n * 10 ** digits) / 10 ** digits;

export function breakdownOf(i: BreakdownInputs) {
  const at = (ms: number | undefined) =>
    ms === undefined ? undefined : round((ms - i.startedAt) / 1000);
  const w = i.stages?.writeWindow;
  const writeSeconds = w ? (w.to - w.from) / 1000 : undefined;
  const writesPerSecond = writeSeconds ? i.objects / writeSeconds : undefined;
  const perEventMs = Object.fromEntries(
    Object.entries(i.stages?.stages ?? {}).map(([k, s]) => [
      k,
      { mean: round(s.meanMs, 2), max: round(s.maxMs, 1), count: s.count },
    ]),
  );
  const timeline = {
    engineStarted: at(i.engineStartedAt),
    listStarted: at(i.list?.startedAt),
    listed: at(i.list?.listedAt),
    published: at(i.list?.publishedAt),
    firstWrite: at(w?.from),
    lastWrite: at(w?.to),
    allCopiesWritten: at(i.allWrittenAt),
    acksDrained: at(i.acksDrainedAt),
  };
  return {
    what:
      "timeline: seconds since livesync started (engine start: bus connection, streams, lease; " +
      "the listener's first list and its publication; the synchronizer's writes; its last " +
      "write returned; every ack in). perEventMs: publish = listener -> stored in " +
      "the bus, bus = stored -> handed to the synchronizer, decide = handed over -> done, less " +
      "its writes (lock, guard, tombstone, re-reads), write = one destination write request.",
    timeline,
    perEventMs,
    eventLoopDelayMs: {
      mean: round(i.loopDelay.mean / 1e6, 1),
      p99: round(i.loopDelay.percentile(99) / 1e6, 1),
      max: round(i.loopDelay.max / 1e6, 1),
    },
    writesInFlight: i.stages?.writesInFlight && round(i.stages.writesInFlight, 1),
    writesPerSecond: writesPerSecond && round(writesPerSecond, 1),
    directWritesPerSecond: round(i.directPerSecond, 1),
    limit: limitOf(i, timeline, writesPerSecond),
  };
}

/** A sentence naming the stage that held the run back, from the figures above. */
function limitOf(
  i: BreakdownInputs,
  t: { firstWrite?: number; allCopiesWritten?: number },
  writesPerSecond: number | undefined,
): string {
  const total = t.allCopiesWritten ?? 0;
  const startShare = (t.firstWrite ?? 0) / (total || 1);
  const inFlight = i.stages?.writesInFlight ?? 0;
  const write = i.stages?.stages.write.meanMs ?? 0;
  const parts = [
    `${Math.round(startShare * 100)}% of the time passed before the first write`,
    writesPerSecond === undefined
      ? "no write was timed"
      : `then ${Math.round(writesPerSecond)} writes/s against ${Math.round(i.directPerSecond)}/s direct`,
  ];
  if (inFlight >= 0.8 * i.syncConcurrency) {
    parts.push(
      `with ${inFlight.toFixed(1)} of ${i.syncConcurrency} writes in flight (${write.toFixed(1)} ms each): the destination's write latency sets the pace`,
    );
  } else if (inFlight > 0) {
    parts.push(
      `with only ${inFlight.toFixed(1)} of ${i.syncConcurrency} writes in flight: events reach the writes too slowly (see bus and decide)`,
    );
  }
  return parts.join(", ");
}
