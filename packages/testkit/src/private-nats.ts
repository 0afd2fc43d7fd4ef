// A NATS JetStream server of one run's own (its own port and store): for a test or bench that
// kills the bus and starts it again without the other tests noticing, or that needs it secured
// (TLS and users with permissions) unlike the shared one.

import { join } from "node:path";
import { startNats, type NatsAuthSetup } from "./components/nats.js";
import type { NatsAuthInfo } from "./env.js";
import { restartable, startPrivateRun } from "./private-run.js";

export interface PrivateNats {
  url: string;
  /** Its files: nats.log, and nats.conf with the certificates when secured. */
  dir: string;
  /** The CA and users' passwords when started with `auth`. */
  auth?: NatsAuthInfo;
  /** The server's pid now (it changes with every start). */
  pid(): number;
  /** SIGKILLs the server: no goodbye to its clients, JetStream keeps what it had written. */
  kill(): Promise<void>;
  /** Starts it again on the same port and store; resolves once JetStream answers. */
  start(): Promise<void>;
  /** Stops the server and removes its files. */
  stop(): Promise<void>;
}

export interface PrivateNatsOptions {
  /** TLS and these users with their permissions. */
  auth?: NatsAuthSetup;
  /** Where its directory goes (default: the system's temporary directory). */
  parentDir?: string;
}

export function startPrivateNats(
  name: string,
  opts: PrivateNatsOptions = {},
): Promise<PrivateNats> {
  return startPrivateRun(
    name,
    async ({ bins, dir, registry }) => {
      const natsDir = join(dir, "nats");
      const started = await startNats(registry, bins.natsServer, natsDir, "127.0.0.1", opts.auth);
      const server = restartable(
        registry,
        started.process,
        `${started.monitorUrl}/healthz?js-enabled-only=true`,
      );
      return {
        url: started.url,
        dir: natsDir,
        auth: started.auth,
        pid: () => server.current().pid,
        kill: async () => {
          process.kill(server.current().pid, "SIGKILL");
          await server.stop();
        },
        start: server.start,
      };
    },
    opts.parentDir,
  );
}
