// A NATS JetStream server of one run's own (its own port and store): for a test or bench that
// kills the bus and starts it again without the other tests noticing, or that needs it secured
// (TLS and users with permissions) unlike the shared one.

import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ensureBinaries } from "./binaries.js";
import { startNats, type NatsAuthSetup } from "./components/nats.js";
import type { NatsAuthInfo } from "./env.js";
import { httpOk } from "./http.js";
import { ProcessRegistry, waitUntilReady } from "./process.js";

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

export async function startPrivateNats(
  name: string,
  opts: PrivateNatsOptions = {},
): Promise<PrivateNats> {
  const bins = ensureBinaries({ prometheus: false });
  const parent = opts.parentDir ?? tmpdir();
  mkdirSync(parent, { recursive: true });
  const dir = mkdtempSync(join(parent, `livesync-${name}-`));
  const registry = new ProcessRegistry(join(dir, "pids"));
  const stop = async () => {
    await registry.stopAll();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const natsDir = join(dir, "nats");
    const started = await startNats(registry, bins.natsServer, natsDir, "127.0.0.1", opts.auth);
    let current = started.process;
    return {
      url: started.url,
      dir: natsDir,
      auth: started.auth,
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
