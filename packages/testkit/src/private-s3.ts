// An S3 server of one test's own (versitygw, its own port, bucket and credentials): for a test
// that takes the bucket away for minutes without the other tests noticing.

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ensureBinaries } from "./binaries.js";
import { startS3 } from "./components/s3.js";
import type { S3Endpoint } from "./env.js";
import { httpOk } from "./http.js";
import { ProcessRegistry, waitUntilReady } from "./process.js";

export interface PrivateS3 {
  s3: S3Endpoint;
  /** Stops the server: clients meet refused connections; the stored objects stay. */
  stopServer(): Promise<void>;
  /** Starts it again on the same port, data and credentials; resolves once it answers. */
  startServer(): Promise<void>;
  /** Stops the server and removes its files. */
  stop(): Promise<void>;
}

export async function startPrivateS3(name: string): Promise<PrivateS3> {
  const bins = ensureBinaries({ prometheus: false });
  const dir = mkdtempSync(join(tmpdir(), `livesync-${name}-`));
  const registry = new ProcessRegistry(join(dir, "pids"));
  const stop = async () => {
    await registry.stopAll();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const started = await startS3(registry, bins.s3Server, join(dir, "s3"));
    let current = started.process;
    return {
      s3: started.s3,
      stopServer: () => registry.stop(current),
      startServer: async () => {
        current = registry.restart(current);
        await waitUntilReady(current, () => httpOk(`${started.s3.endpoint}/health`), 30_000);
      },
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
