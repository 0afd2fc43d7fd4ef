import { provisionBus, type BusOptions } from "@livesync/engine";

/**
 * The controller creates the streams and durable consumers, which the components' least-privilege
 * credentials may not. In the background and retried, so an unreachable NATS never holds up
 * the controller's other duties (TaskRuns, backups, statuses).
 */
export function provisionInBackground(
  opts: BusOptions,
  stopped: () => boolean,
  onError: (err: Error) => void,
): Promise<void> {
  return (async () => {
    for (let attempt = 1; !stopped(); attempt++) {
      try {
        await provisionBus(opts);
        return;
      } catch (err) {
        onError(new Error(`creating the JetStream streams: ${(err as Error).message}`));
        await new Promise((r) => setTimeout(r, Math.min(1_000 * 2 ** attempt, 30_000)));
      }
    }
  })();
}
