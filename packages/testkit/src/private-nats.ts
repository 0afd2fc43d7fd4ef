// A NATS JetStream server of one run's own (its own port and store): for a test or bench that
// kills the bus and starts it again without the other tests noticing.

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ensureBinaries } from "./binaries.js";
import { startNats } from "./components/nats.js";
import { httpOk } from "./http.js";
import { ProcessRegistry, waitUntilReady } from "./process.js";

export interface PrivateNats {
  url: string;
  /** The server's pid now (it changes with every start). */
  pid(): number;
  /** SIGKILLs the server: no goodbye to its clients, JetStream keeps what it had written. */
  kill(): Promise<void>;
  /** Starts it again on the same port and store; resolves once JetStream answers. */
  start(): Promise<void>;
  /** Stops the server and removes its files. */
  stop(): Promise<void>;
}

export async function startPrivateNats(name: string): Promise<PrivateNats> {
  const bins = ensureBinaries({ prometheus: false });
  const dir = mkdtempSync(join(tmpdir(), `livesync-${name}-`));
  const registry = new ProcessRegistry(join(dir, "pids"));
  const stop = async () => {
    await registry.stopAll();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const started = await startNats(registry, bins.natsServer, join(dir, "nats"));
    let current = started.process;
    return {
      url: started.url,
      pid: () => current.pid,
      kill: async () => {
        process.kill(current.pid, "SIGKILL");
        await registry.stop(current);
      },
      start: async () => {
        current = registry.restart(current);
        const healthy = `${started.monitorUrl}/healthz?js-enabled-only=true`;
        await waitUntilReady(current, () => httpOk(healthy), 30_000);
      },
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
