// A NATS JetStream server of one run's own (its own port and store): for a test or bench that
// kills the bus and starts it again without the other tests noticing.

import { join } from "node:path";
import { startNats } from "./components/nats.js";
import { restartable, startPrivateRun } from "./private-run.js";

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

export function startPrivateNats(name: string): Promise<PrivateNats> {
  return startPrivateRun(name, async ({ bins, dir, registry }) => {
    const started = await startNats(registry, bins.natsServer, join(dir, "nats"));
    const server = restartable(
      registry,
      started.process,
      `${started.monitorUrl}/healthz?js-enabled-only=true`,
    );
    return {
      url: started.url,
      pid: () => server.current().pid,
      kill: async () => {
        process.kill(server.current().pid, "SIGKILL");
        await server.stop();
      },
      start: server.start,
    };
  });
}
