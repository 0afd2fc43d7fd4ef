import {
  InProcessBus,
  JetStreamBus,
  whenNatsUp,
  type EventBus,
  type NatsAuth,
} from "@livesync/bus";

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
  return whenNatsUp(connect, { onWaiting: opts.onBusWaiting });
}
