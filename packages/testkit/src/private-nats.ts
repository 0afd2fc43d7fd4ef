// A NATS of one test's own (JetStream, TLS and users when asked), for a test that needs a
// server configured unlike the shared one. Started in about a second; stop() removes its files.

import { mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { ensureBinaries } from "./binaries.js";
import { startNats, type NatsAuthSetup } from "./components/nats.js";
import type { NatsAuthInfo } from "./env.js";
import { ProcessRegistry } from "./process.js";

export interface PrivateNats {
  url: string;
  monitorUrl: string;
  auth?: NatsAuthInfo;
  stop(): Promise<void>;
}

/** Starts nats-server with its files in `dir` (a directory of the caller's, emptied first). */
export async function startPrivateNats(dir: string, auth?: NatsAuthSetup): Promise<PrivateNats> {
  const bins = ensureBinaries({ prometheus: false });
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const registry = new ProcessRegistry(join(dir, "pids"));
  const stop = async () => {
    await registry.stopAll();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const nats = await startNats(registry, bins.natsServer, dir, "127.0.0.1", auth);
    return { url: nats.url, monitorUrl: nats.monitorUrl, auth: nats.auth, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
