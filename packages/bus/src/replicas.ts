// How many copies JetStream keeps of livesync's streams, consumers and buckets, and which
// publish failures are a cluster electing a leader (wait and retry) rather than a refusal.

import { JetStreamApiError } from "@nats-io/jetstream";
import { errors } from "@nats-io/transport-node";

/** What a NATS server says about itself on connect (the INFO fields that matter here). */
export interface ServerInfo {
  /** The cluster's name; absent on a lone server. */
  cluster?: string;
  /** Client URLs of every server of the cluster, this one included (unless not advertised). */
  connect_urls?: string[];
}

/** The replication JetStream allows: 1 to 5 copies. */
export const MAX_REPLICAS = 5;

/** Throws a clear error for a replica count JetStream would refuse. */
export function checkReplicas(replicas: number, where: string): number {
  if (!Number.isInteger(replicas) || replicas < 1 || replicas > MAX_REPLICAS) {
    throw new Error(
      `${where}: replicas must be a whole number from 1 to ${MAX_REPLICAS}, not ${replicas}`,
    );
  }
  return replicas;
}

/**
 * Replicas when none are configured: 3 on a cluster of three or more servers (one may fail, a
 * quorum of two remains), otherwise 1. Two servers get 1: an R2 stream stops on either loss.
 */
export function autoReplicas(info: ServerInfo | undefined): number {
  if (!info?.cluster) return 1;
  return new Set(info.connect_urls ?? []).size >= 3 ? 3 : 1;
}

/**
 * The replicas a stream (or bucket) is given. A configured count is applied as it is, up or
 * down. The automatic one never lowers an existing stream: a process that starts while a node
 * is down sees fewer servers, and must not strip the copies that protect against just that.
 */
export function replicasFor(
  configured: number | undefined,
  auto: number,
  existing: number | undefined,
): number {
  if (configured !== undefined) return configured;
  return Math.max(auto, existing ?? 0);
}

/**
 * A failure a clustered JetStream shows while a stream's leader is being elected or the
 * connection moves to another server: a timeout, no responders (no leader listens yet), or a
 * 503 "temporarily unavailable". Retrying with the same message id is safe (dedupe).
 */
export function isTransient(err: unknown): boolean {
  if (err instanceof errors.ClosedConnectionError) return false;
  if (err instanceof errors.DrainingConnectionError) return false;
  if (err instanceof errors.TimeoutError || err instanceof errors.NoRespondersError) return true;
  if (err instanceof errors.RequestError) return err.isNoResponders();
  if (err instanceof errors.ConnectionError) return true;
  // The client reports no responders on a JetStream subject as "not enabled".
  // (JetStreamNotEnabled, which the package does not export).
  if (err instanceof Error && err.name === "JetStreamNotEnabled") return true;
  if (err instanceof JetStreamApiError) return err.status === 503 || err.code === 10008;
  return false;
}

/** True when `current` lacks or has another value for a field `wanted` sets (lists: in order). */
export function differs(wanted: object, current: object): boolean {
  const have = current as Record<string, unknown>;
  return Object.entries(wanted).some(
    ([k, v]) => v !== undefined && JSON.stringify(v) !== JSON.stringify(have[k]),
  );
}

/** Backoff between attempts: 100 ms doubling to 2 s. */
export const retryDelayMs = (attempt: number) => Math.min(100 * 2 ** attempt, 2_000);

/**
 * Runs `op` until it succeeds, fails for good, or `deadlineMs` has passed since the first try;
 * transient failures (see isTransient) are retried.
 */
export async function withRetries<T>(
  op: () => Promise<T>,
  deadlineMs: number,
  sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
  now: () => number = Date.now,
): Promise<T> {
  const until = now() + deadlineMs;
  for (let attempt = 0; ; attempt++) {
    try {
      return await op();
    } catch (err) {
      if (!isTransient(err) || now() >= until) throw err;
      await sleep(Math.min(retryDelayMs(attempt), Math.max(0, until - now())));
    }
  }
}
