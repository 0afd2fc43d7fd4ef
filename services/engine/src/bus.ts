/**
 * The engine's bus: JetStream when a URL is given (with the process's NATS credential), the
 * in-process bus otherwise. The process that provisions creates the streams and both durable
 * consumers before anything is published; a least-privilege credential only finds them.
 */
import { ARCHIVER_DURABLE } from "@livesync/archiver";
import { InProcessBus, JetStreamBus, type EventBus, type NatsAuth } from "@livesync/bus";

export {
  NATS_AUTH_FLAGS,
  NATS_AUTH_USAGE,
  natsAuthFrom,
  natsPermissions,
  type NatsAuth,
} from "@livesync/bus";
import { SYNCHRONIZER_DURABLE } from "@livesync/synchronizer";
import type { Component } from "./live-sync-runtime.js";

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

/** A separate stream (and subject space) per name lets several engines share one NATS. */
export function busNames(stream?: string): { stream: string; subjectPrefix: string } {
  return {
    stream: stream ?? "LIVESYNC_EVENTS",
    subjectPrefix: stream ? `livesync.${stream.toLowerCase()}` : "livesync.events",
  };
}

const DURABLE_OF: Partial<Record<Component, string>> = {
  synchronizer: SYNCHRONIZER_DURABLE,
  archiver: ARCHIVER_DURABLE,
};

export async function openBus(
  opts: BusOptions,
  components: Iterable<Component>,
): Promise<EventBus> {
  if (!opts.natsUrl) return new InProcessBus();
  const { stream, subjectPrefix } = busNames(opts.stream);
  const provision = opts.provisionBus !== false;
  const bus = await JetStreamBus.connect({
    url: opts.natsUrl,
    stream,
    subjects: [`${subjectPrefix}.>`],
    replicas: opts.natsReplicas,
    auth: opts.natsAuth,
    provision,
  });
  // The durable consumers exist before anything is published, so nothing is missed, whichever
  // pod starts first.
  const durables = provision
    ? [SYNCHRONIZER_DURABLE, ARCHIVER_DURABLE]
    : [...components].flatMap((c) => DURABLE_OF[c] ?? []);
  try {
    for (const durable of durables) await bus.ensureConsumer(durable);
  } catch (err) {
    await bus.close();
    throw err;
  }
  return bus;
}

/** Creates the streams and the durable consumers, then disconnects: the controller's part. */
export async function provisionBus(opts: BusOptions): Promise<void> {
  const bus = await openBus({ ...opts, provisionBus: true }, []);
  await bus.close();
}
