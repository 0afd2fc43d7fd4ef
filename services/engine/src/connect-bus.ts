import { InProcessBus, JetStreamBus, type EventBus, type NatsAuth } from "@livesync/bus";

/** Where the bus lives; part of EngineOptions. */
export interface BusOptions {
  /** NATS with JetStream; without it an in-process bus is used. */
  natsUrl?: string;
  /** JetStream stream name (default LIVESYNC_EVENTS). */
  stream?: string;
  /** Replicas of the streams, consumers and buckets (default: 3 on a 3+ server cluster, else 1). */
  natsReplicas?: number;
  /** User and password or .creds, TLS files. */
  natsAuth?: NatsAuth;
  /**
   * Create the streams and the durable consumers (default true). With a least-privilege
   * credential only the controller may: the components then wait for them.
   */
  provisionBus?: boolean;
  /**
   * Called while NATS cannot be reached yet (connection refused, name not resolved, timeout):
   * the bus waits for it rather than failing, because a pod and its NATS start together.
   */
  onBusWaiting?: (err: Error) => void;
}

/** The subjects of a stream: its own subject space per stream name. */
export const subjectPrefixOf = (opts: BusOptions) =>
  opts.stream ? `livesync.${opts.stream.toLowerCase()}` : "livesync.events";

/** JetStream when a URL is given (a separate stream per name lets engines share one NATS). */
export async function connectBus(opts: BusOptions): Promise<EventBus> {
  const url = opts.natsUrl;
  if (!url) return new InProcessBus();
  const connect = () =>
    JetStreamBus.connect({
      url,
      stream: opts.stream ?? "LIVESYNC_EVENTS",
      subjects: [`${subjectPrefixOf(opts)}.>`],
      replicas: opts.natsReplicas,
      auth: opts.natsAuth,
      provision: opts.provisionBus !== false,
    });
  // Crashing instead would put the pod in CrashLoopBackOff, whose back-off outlasts the
  // moment NATS comes up; a refused credential or a bad certificate still fails at once.
  for (let attempt = 0; ; attempt++) {
    try {
      return await connect();
    } catch (err) {
      if (!isNatsNotUp(err)) throw err;
      opts.onBusWaiting?.(err as Error);
      await new Promise((r) => setTimeout(r, Math.min(500 * 2 ** attempt, 5_000)));
    }
  }
}

const NOT_UP_CODES = new Set([
  "ECONNREFUSED",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ETIMEDOUT",
  "ECONNRESET",
]);

/** NATS not reachable yet: worth waiting for, unlike an error it answers with. */
export function isNatsNotUp(err: unknown): boolean {
  const e = err as { name?: string; message?: string; code?: string; cause?: { code?: string } };
  if (!e || typeof e !== "object") return false;
  if (NOT_UP_CODES.has(e.code ?? "") || NOT_UP_CODES.has(e.cause?.code ?? "")) return true;
  return (
    (e.name === "ConnectionError" && e.message === "connection refused") ||
    e.name === "TimeoutError" ||
    // JetStream not started yet on a server that has just come up.
    e.name === "NoResponders"
  );
}
