// Durations in the %Hh%Mm%Ss format ("1h0m0s", "3h25m12s", "90s"). Deliberately narrower than
// Go's time.ParseDuration: that is the only format the upstream documentation uses.

import { DURATION_PATTERN } from "./schemas.js";
import type { LiveSynchronizationSpec } from "./types.js";

const DURATION = new RegExp(DURATION_PATTERN);

/** The resync period used when neither spec.config.resyncPeriod nor replication's is set. */
export const DEFAULT_RESYNC_PERIOD_MS = 3_600_000;

/** Milliseconds for "3h25m12s"-style durations; undefined when empty or malformed. */
export function parseDuration(s: string): number | undefined {
  const m = DURATION.exec(s);
  if (!m || s === "") return undefined;
  const [h, min, sec] = [m[1], m[2], m[3]].map((x) => Number(x ?? 0)) as [number, number, number];
  return ((h * 60 + min) * 60 + sec) * 1000;
}

/**
 * The effective resync period of a LiveSynchronization. The upstream documentation puts the field
 * under spec.config (text) and spec.config.replication (example); both are accepted, validation
 * makes sure they agree when both are set, and an unusable value falls back to the 1h default.
 */
export function resyncPeriodMs(spec: Pick<LiveSynchronizationSpec, "config">): number {
  for (const raw of [spec.config.resyncPeriod, spec.config.replication?.resyncPeriod]) {
    const ms = raw === undefined ? undefined : parseDuration(raw);
    if (ms !== undefined && ms > 0) return ms;
  }
  return DEFAULT_RESYNC_PERIOD_MS;
}
