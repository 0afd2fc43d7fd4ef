// A TaskRun recovers into the destination only once its LiveSynchronization stopped
// replicating there: the suspension goes through the management cluster and a pass.

import type { Engine } from "@livesync/engine";
import type { RawObject } from "./objects.js";

const TIMEOUT_MS = 60_000;
const POLL_MS = 25;

/**
 * Resolves once the LiveSynchronization `key` is suspended in its spec (as the watch shows it)
 * and, when the services run in this process, its run stopped; rejects after 60 s.
 */
export async function awaitSuspended(
  key: string,
  liveSync: (key: string) => RawObject | undefined,
  engine: Engine | undefined,
  stopped: () => boolean,
): Promise<void> {
  // The watch brings the suspension back to a pass, which stops the run; wait for that.
  for (let waited = 0; waited < TIMEOUT_MS; waited += POLL_MS) {
    if (stopped()) return;
    const ls = liveSync(key);
    const suspendedInSpec = (ls?.spec as { suspend?: boolean } | undefined)?.suspend === true;
    if (suspendedInSpec) {
      // Other pods run the listeners: they react to the same watch event within ~100 ms.
      if (!engine) return void (await new Promise((r) => setTimeout(r, 2_000)));
      const s = (await engine.status()).find((x) => x.liveSync === key);
      if (!s || s.state === "suspended") return;
    }
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
  throw new Error(`LiveSynchronization ${key} was not suspended within 60 s`);
}
