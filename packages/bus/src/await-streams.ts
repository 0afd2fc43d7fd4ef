import type { JetStreamManager } from "@nats-io/jetstream";

/**
 * Waits until every stream exists, for a credential that may look streams up but not create
 * them: the controller creates them, perhaps a moment after this process starts.
 */
export async function awaitStreams(
  jsm: JetStreamManager,
  names: string[],
  timeoutMs = 60_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (const name of names) {
    for (;;) {
      try {
        await jsm.streams.info(name);
        break;
      } catch (err) {
        if (Date.now() > deadline) {
          throw new Error(
            `JetStream stream ${name} is not there after ${timeoutMs / 1000} s, and this credential may not create it: the controller (livesync operator --components controller) creates it (${(err as Error).message})`,
          );
        }
        await new Promise((r) => setTimeout(r, 1_000));
      }
    }
  }
}
