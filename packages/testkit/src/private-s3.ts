// An S3 server of one test's own (versitygw, its own port, bucket and credentials): for a test
// that takes the bucket away for minutes without the other tests noticing.

import { join } from "node:path";
import { startS3 } from "./components/s3.js";
import type { S3Endpoint } from "./env.js";
import { restartable, startPrivateRun } from "./private-run.js";

export interface PrivateS3 {
  s3: S3Endpoint;
  /** Stops the server: clients meet refused connections; the stored objects stay. */
  stopServer(): Promise<void>;
  /** Starts it again on the same port, data and credentials; resolves once it answers. */
  startServer(): Promise<void>;
  /** Stops the server and removes its files. */
  stop(): Promise<void>;
}

export function startPrivateS3(name: string): Promise<PrivateS3> {
  return startPrivateRun(name, async ({ bins, dir, registry }) => {
    const started = await startS3(registry, bins.s3Server, join(dir, "s3"));
    const server = restartable(registry, started.process, `${started.s3.endpoint}/health`);
    return { s3: started.s3, stopServer: server.stop, startServer: server.start };
  });
}
