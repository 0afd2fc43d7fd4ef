/**
 * The engine's bus, with the durable consumers it needs. The process that provisions creates
 * the streams and both durable consumers before anything is published; a least-privilege
 * credential only finds them (and its own durable).
 */
import { ARCHIVER_DURABLE } from "@livesync/archiver";
import type { EventBus } from "@livesync/bus";
import { SYNCHRONIZER_DURABLE } from "@livesync/synchronizer";
import { connectBus, type BusOptions } from "./connect-bus.js";
import type { Component } from "./live-sync-runtime.js";

export {
  NATS_AUTH_FLAGS,
  NATS_AUTH_USAGE,
  natsAuthFrom,
  natsPermissions,
  type NatsAuth,
} from "@livesync/bus";

const DURABLE_OF: Partial<Record<Component, string>> = {
  synchronizer: SYNCHRONIZER_DURABLE,
  archiver: ARCHIVER_DURABLE,
};

export async function openBus(
  opts: BusOptions,
  components: Iterable<Component>,
): Promise<EventBus> {
  const bus = await connectBus(opts);
  // The durable consumers exist before anything is published, so nothing is missed, whichever
  // pod starts first.
  const durables =
    opts.provisionBus !== false
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
