import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { httpGet } from "../http.js";
import { freePorts } from "../ports.js";
import { waitUntilReady, type ProcessRegistry, type StartedProcess } from "../process.js";

/** One etcd serves every cluster; each apiserver keeps its own key prefix. */
export async function startEtcd(
  registry: ProcessRegistry,
  binary: string,
  dir: string,
): Promise<{ url: string; process: StartedProcess }> {
  const [clientPort, peerPort] = await freePorts(2);
  const client = `http://127.0.0.1:${clientPort}`;
  const peer = `http://127.0.0.1:${peerPort}`;
  mkdirSync(dir, { recursive: true });
  const proc = registry.start({
    component: "etcd",
    binary,
    args: [
      "--name=testenv",
      `--data-dir=${join(dir, "data")}`,
      `--listen-client-urls=${client}`,
      `--advertise-client-urls=${client}`,
      `--listen-peer-urls=${peer}`,
      `--initial-advertise-peer-urls=${peer}`,
      `--initial-cluster=testenv=${peer}`,
      "--unsafe-no-fsync", // test data: speed over durability
      "--log-level=warn",
    ],
    logFile: join(dir, "etcd.log"),
  });
  await waitUntilReady(
    proc,
    async () => (await httpGet(`${client}/health`)).body.includes('"health":"true"'),
    30_000,
  );
  return { url: client, process: proc };
}
