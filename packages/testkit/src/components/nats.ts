import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { httpOk } from "../http.js";
import { freePorts } from "../ports.js";
import { waitUntilReady, type ProcessRegistry, type StartedProcess } from "../process.js";

export async function startNats(
  registry: ProcessRegistry,
  binary: string,
  dir: string,
  /** 0.0.0.0 when pods connect too. */
  listen = "127.0.0.1",
): Promise<{ url: string; monitorUrl: string; process: StartedProcess }> {
  const [port, monitorPort] = await freePorts(2);
  mkdirSync(dir, { recursive: true });
  const proc = registry.start({
    component: "nats-server",
    binary,
    args: ["-js", "-sd", join(dir, "jetstream"), "-a", listen, "-p", `${port}`].concat([
      "-m",
      `${monitorPort}`,
      "-n",
      "livesync-testenv",
    ]),
    logFile: join(dir, "nats.log"),
  });
  const monitorUrl = `http://127.0.0.1:${monitorPort}`;
  await waitUntilReady(proc, () => httpOk(`${monitorUrl}/healthz?js-enabled-only=true`), 30_000);
  return { url: `nats://127.0.0.1:${port}`, monitorUrl, process: proc };
}
