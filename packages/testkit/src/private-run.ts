// The frame every private component shares: a directory and process registry of the run's own,
// torn down by `stop` (and at once when starting fails half-way), plus a server that a test
// stops and starts again on the same port and files.

import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ensureBinaries, type Binaries } from "./binaries.js";
import { httpOk } from "./http.js";
import { ProcessRegistry, waitUntilReady, type StartedProcess } from "./process.js";

export interface PrivateRun {
  bins: Binaries;
  dir: string;
  registry: ProcessRegistry;
}

/**
 * Starts what `build` starts in a fresh directory under `parentDir` (default: the system's
 * temporary directory); the result's `stop` removes it all.
 */
export async function startPrivateRun<T>(
  name: string,
  build: (run: PrivateRun) => Promise<T>,
  parentDir = tmpdir(),
): Promise<T & { stop(): Promise<void> }> {
  const bins = ensureBinaries({ prometheus: false });
  mkdirSync(parentDir, { recursive: true });
  const dir = mkdtempSync(join(parentDir, `livesync-${name}-`));
  const registry = new ProcessRegistry(join(dir, "pids"));
  const stop = async () => {
    await registry.stopAll();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    return { ...(await build({ bins, dir, registry })), stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

export interface RestartableServer {
  /** The server's process now (it changes with every start). */
  current(): StartedProcess;
  stop(): Promise<void>;
  /** Starts it again with the same command; resolves once `readyUrl` answers. */
  start(): Promise<void>;
}

export function restartable(
  registry: ProcessRegistry,
  first: StartedProcess,
  readyUrl: string,
): RestartableServer {
  let current = first;
  return {
    current: () => current,
    stop: () => registry.stop(current),
    start: async () => {
      current = registry.restart(current);
      await waitUntilReady(current, () => httpOk(readyUrl), 30_000);
    },
  };
}
