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
}

/** The subjects of a stream: its own subject space per stream name. */
export const subjectPrefixOf = (opts: BusOptions) =>
  opts.stream ? `livesync.${opts.stream.toLowerCase()}` : "livesync.events";

/** JetStream when a URL is given (a separate stream per name lets engines share one NATS). */
export async function connectBus(opts: BusOptions): Promise<EventBus> {
  if (!opts.natsUrl) return new InProcessBus();
  return JetStreamBus.connect({
    url: opts.natsUrl,
    stream: opts.stream ?? "LIVESYNC_EVENTS",
    subjects: [`${subjectPrefixOf(opts)}.>`],
    replicas: opts.natsReplicas,
    auth: opts.natsAuth,
    provision: opts.provisionBus !== false,
  });
}
