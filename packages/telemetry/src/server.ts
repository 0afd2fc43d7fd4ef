import { createServer, type Server } from "node:http";
import { collectDefaultMetrics, Registry } from "prom-client";

export interface TelemetryServer {
  registry: Registry;
  address: string;
  close(): Promise<void>;
}

/**
 * /metrics (Prometheus text), /healthz (the process serves) and /readyz (`ready()` says the
 * service can do its work). One per process; services register their metrics on `registry`.
 */
export async function startTelemetry(opts: {
  host?: string;
  port: number;
  ready?: () => Promise<boolean> | boolean;
  registry?: Registry;
}): Promise<TelemetryServer> {
  const registry = opts.registry ?? new Registry();
  collectDefaultMetrics({ register: registry, prefix: "livesync_process_" });
  const server: Server = createServer(async (req, res) => {
    try {
      if (req.url === "/metrics") {
        res.setHeader("content-type", registry.contentType);
        res.end(await registry.metrics());
      } else if (req.url === "/healthz") {
        res.end("ok\n");
      } else if (req.url === "/readyz") {
        const ready = opts.ready ? await opts.ready() : true;
        res.statusCode = ready ? 200 : 503;
        res.end(ready ? "ok\n" : "not ready\n");
      } else {
        res.statusCode = 404;
        res.end();
      }
    } catch (err) {
      res.statusCode = 500;
      res.end(String(err));
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port, opts.host ?? "127.0.0.1", resolve);
  });
  const a = server.address() as { address: string; port: number };
  return {
    registry,
    address: `${a.address}:${a.port}`,
    close: () => new Promise((r) => server.close(() => r())),
  };
}

/**
 * The telemetry server a command line asks for: `--metrics-port` (or LIVESYNC_METRICS_PORT) on
 * LIVESYNC_METRICS_HOST (default 127.0.0.1; 0.0.0.0 in a pod). Undefined when neither is set.
 */
export function startTelemetryIfAsked(
  port: string | undefined,
  ready: () => Promise<boolean> | boolean,
): Promise<TelemetryServer | undefined> {
  const p = port ?? process.env.LIVESYNC_METRICS_PORT;
  if (p === undefined) return Promise.resolve(undefined);
  return startTelemetry({
    host: process.env.LIVESYNC_METRICS_HOST ?? "127.0.0.1",
    port: Number(p),
    ready,
  });
}
