// A NATS cluster of JetStream nodes (three by default) for the tests of what a clustered bus
// must survive: a node SIGKILLed and restarted with its store and ports, or all of them.

import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ensureBinaries } from "./binaries.js";
import { natsNodeHealthy, planNatsCluster, startNatsNode } from "./components/nats.js";
import { envFile, readEnvFile, repoRoot, testenvDir, type NatsNode } from "./env.js";
import { eventually } from "./kube.js";
import { streamReport, type StreamReport } from "./nats-monitor.js";
import { isAlive, ProcessRegistry, sleep, stopProcess } from "./process.js";

/**
 * NATS servers to start: 1 (the fast default), or a JetStream cluster of
 * LIVESYNC_TESTENV_NATS_NODES (`pnpm testenv up --nats-cluster` means 3).
 */
export function natsNodeCount(env = process.env): number {
  const raw = env.LIVESYNC_TESTENV_NATS_NODES ?? "1";
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) {
    throw new Error(
      `LIVESYNC_TESTENV_NATS_NODES=${raw}: expected a whole number of servers, 1 or more`,
    );
  }
  return n;
}

export class NatsCluster {
  private current: NatsNode[];

  constructor(
    private readonly registry: ProcessRegistry,
    nodes: NatsNode[],
    /** Told of every pid change (env.json records the pids). */
    private readonly onChange: (nodes: NatsNode[]) => void = () => undefined,
  ) {
    this.current = nodes.map((n) => ({ ...n }));
  }

  /** Starts `size` routed nodes under `dir` and waits until the cluster has a meta leader. */
  static async start(
    registry: ProcessRegistry,
    binary: string,
    dir: string,
    size = 3,
    /** 0.0.0.0 when pods connect too. */
    listen = "127.0.0.1",
  ): Promise<NatsCluster> {
    const planned = await planNatsCluster(binary, dir, size, listen);
    const nodes = await Promise.all(planned.map((n) => startNatsNode(registry, n)));
    const cluster = new NatsCluster(registry, nodes);
    await cluster.waitHealthy();
    return cluster;
  }

  get nodes(): readonly NatsNode[] {
    return this.current;
  }

  /** Every server, comma-separated: what `--nats` and JetStreamBus take. */
  get url(): string {
    return this.current.map((n) => n.url).join(",");
  }

  node(name: string): NatsNode {
    const node = this.current.find((n) => n.name === name);
    if (!node) {
      throw new Error(
        `no NATS node named ${name} (the cluster has ${this.current.map((n) => n.name).join(", ")})`,
      );
    }
    return node;
  }

  /** A stream's state and its consumers' positions, from their leaders (none: no leader now). */
  stream(name: string): Promise<StreamReport | undefined> {
    return streamReport(this.current, name);
  }

  /** SIGKILLs one node (no flush, no goodbye to its peers) and waits until it is gone. */
  async kill(name: string): Promise<void> {
    const node = this.node(name);
    try {
      process.kill(node.pid, "SIGKILL");
    } catch {
      /* already gone */
    }
    while (isAlive(node.pid)) await sleep(20);
    this.registry.forget(node.pid);
  }

  async killAll(): Promise<void> {
    await Promise.all(this.current.map((n) => this.kill(n.name)));
  }

  /** Starts a stopped node again with its configuration: same name, ports and store. */
  async restart(name: string): Promise<void> {
    const node = this.node(name);
    if (isAlive(node.pid)) throw new Error(`NATS node ${name} (pid ${node.pid}) is still running`);
    const started = await startNatsNode(this.registry, node);
    this.current = this.current.map((n) => (n.name === name ? started : n));
    this.onChange(this.current);
  }

  /** Restarts every stopped node at once and waits for the cluster to be whole again. */
  async restartAll(): Promise<void> {
    const stopped = this.current.filter((n) => !isAlive(n.pid));
    // One at a time: each restart records a pid, and env.json is rewritten after each.
    for (const n of stopped) await this.restart(n.name);
    await this.waitHealthy();
  }

  /** Waits until every node reports JetStream healthy (meta leader known, assets current). */
  async waitHealthy(timeoutMs = 60_000): Promise<void> {
    await eventually(
      async () =>
        (await Promise.all(this.current.map(natsNodeHealthy))).every(Boolean) ? true : undefined,
      { timeoutMs, intervalMs: 250, what: `NATS cluster ${this.url} to be healthy` },
    );
  }

  /** Stops every node (SIGTERM, then SIGKILL after the grace period). */
  async stop(): Promise<void> {
    for (const n of this.current) {
      await stopProcess(n.pid);
      this.registry.forget(n.pid);
    }
  }
}

export interface PrivateNatsCluster extends NatsCluster {
  /** Stops the nodes and removes their stores (logs too, unless LIVESYNC_TESTENV_KEEP=1). */
  destroy(): Promise<void>;
}

/**
 * A NATS cluster of one test's own, beside the shared environment's clusters, S3 and
 * Prometheus: under `.testenv-nats/` in the repository unless `dir` is given.
 */
export async function startPrivateNatsCluster(
  opts: { size?: number; dir?: string } = {},
): Promise<PrivateNatsCluster> {
  const bins = ensureBinaries({ prometheus: false });
  const parent = join(repoRoot(), ".testenv-nats");
  mkdirSync(parent, { recursive: true });
  const dir = opts.dir ?? mkdtempSync(join(parent, "cluster-"));
  const registry = new ProcessRegistry(join(dir, "pids"));
  const destroy = async () => {
    await registry.stopAll();
    if (process.env.LIVESYNC_TESTENV_KEEP === "1")
      rmSync(join(dir, "jetstream"), { recursive: true, force: true });
    else rmSync(dir, { recursive: true, force: true });
  };
  try {
    const cluster = await NatsCluster.start(registry, bins.natsServer, dir, opts.size ?? 3);
    return Object.assign(cluster, { destroy });
  } catch (err) {
    await destroy();
    throw err;
  }
}

/**
 * The NATS cluster of a running test environment (`pnpm testenv up --nats-cluster`): kills and
 * restarts keep env.json's pids and the environment's pid files up to date, so `down` stops the
 * restarted nodes.
 */
export function testenvNatsCluster(dir = testenvDir()): NatsCluster {
  const env = readEnvFile(dir);
  if (!env?.nats.nodes?.length) {
    throw new Error(
      `${envFile(dir)} describes no NATS cluster (start one with: pnpm testenv up --nats-cluster)`,
    );
  }
  return new NatsCluster(new ProcessRegistry(join(dir, "pids")), env.nats.nodes, (nodes) => {
    const latest = readEnvFile(dir) ?? env;
    latest.nats.nodes = nodes;
    writeFileSync(envFile(dir), JSON.stringify(latest, null, 2) + "\n");
  });
}
