import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { connect as tcpConnect } from "node:net";
import { join } from "node:path";
import { HeadBucketCommand } from "@aws-sdk/client-s3";
import { KubeConfig, VersionApi } from "@kubernetes/client-node";
import { ensureBinaries, type Binaries } from "./binaries.js";
import { startEtcd } from "./components/etcd.js";
import { startCluster } from "./components/kube.js";
import { startNats, type NatsAuthSetup } from "./components/nats.js";
import { startPrometheus } from "./components/prometheus.js";
import { s3Client, startS3, TESTENV_REGION } from "./components/s3.js";
import {
  envFile,
  readEnvFile,
  REQUIRED_CLUSTERS,
  testenvDir,
  type ClusterEndpoint,
  type S3Endpoint,
  type TestEnvironment,
} from "./env.js";
import { httpOk } from "./http.js";
import { machineAddress } from "./node/host.js";
import { NODE_NAME, startNode, stopNode } from "./node/index.js";
import { nodeReady } from "./node/kubelet.js";
import { NatsCluster, natsNodeCount } from "./nats-cluster.js";
import { ProcessRegistry, isAlive } from "./process.js";
import { planEnvironment, type Plan } from "./provider.js";

export interface UpResult {
  env: TestEnvironment;
  /** False when a live environment described by env.json was reused. */
  startedHere: boolean;
  seconds: number;
}

/** Cluster names to start: source and destination, plus any in LIVESYNC_TESTENV_CLUSTERS. */
export function clusterNames(env = process.env): string[] {
  const extra = (env.LIVESYNC_TESTENV_CLUSTERS ?? "").split(",").map((s) => s.trim());
  return [...new Set([...REQUIRED_CLUSTERS, ...extra.filter(Boolean)])];
}

/**
 * Brings the test environment up, or reuses the one `.testenv/env.json` describes when all of
 * its endpoints answer. Anything that fails to start is stopped again before the error is thrown.
 * `node` (default: LIVESYNC_TESTENV_NODE=1) gives the management cluster a real node.
 */
export async function up(opts: UpOptions = {}): Promise<UpResult> {
  const dir = opts.dir ?? testenvDir();
  const node = opts.node ?? process.env.LIVESYNC_TESTENV_NODE === "1";
  const natsNodes = opts.natsNodes ?? natsNodeCount();
  // Test runs, benchmarks and the demo may start at the same moment: one starts, the others
  // then find its env.json and reuse it.
  return withLock(`${dir}.lock`, () =>
    upLocked(dir, opts.fresh ?? false, node, natsNodes, opts.natsAuth),
  );
}

export interface UpOptions {
  fresh?: boolean;
  dir?: string;
  node?: boolean;
  natsNodes?: number;
  /** NATS requires TLS and these users' passwords (`pnpm testenv up --nats-auth`). */
  natsAuth?: NatsAuthSetup;
}

export async function withLock<T>(lock: string, fn: () => Promise<T>): Promise<T> {
  for (;;) {
    try {
      mkdirSync(lock);
      writeFileSync(join(lock, "pid"), String(process.pid));
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      const pid = Number(readFileSync(join(lock, "pid"), { encoding: "utf8", flag: "a+" }));
      // A holder that died (or has not written its pid for a while) leaves a stale lock.
      if (pid && !isAlive(pid)) rmSync(lock, { recursive: true, force: true });
      else await new Promise((r) => setTimeout(r, 200));
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

async function upLocked(
  dir: string,
  fresh: boolean,
  node: boolean,
  natsNodes: number,
  natsAuth: NatsAuthSetup | undefined,
): Promise<UpResult> {
  const began = Date.now();
  const existing = readEnvFile(dir);
  const hasClusters = (e: TestEnvironment) => clusterNames().every((n) => e.clusters[n]);
  // A running single server is not the cluster asked for, nor the reverse (external: as given).
  const natsAsAsked = (e: TestEnvironment) =>
    e.provider === "external" || (e.nats.nodes?.length ?? 1) === natsNodes;
  // Asked for a secured NATS, a plain one will not do; not asked, whichever runs is reused.
  const suits = (e: TestEnvironment) =>
    hasClusters(e) && natsAsAsked(e) && (!node || e.node) && (!natsAuth || !!e.nats.auth);
  if (existing && !fresh && suits(existing) && (await unhealthy(existing)).length === 0) {
    return { env: existing, startedHere: false, seconds: (Date.now() - began) / 1000 };
  }
  await down({ dir });
  mkdirSync(dir, { recursive: true });
  const plan = planEnvironment({ env: process.env, dockerAvailable: await dockerAvailable() });
  if (node && plan.clusters !== "binaries") {
    throw new Error(
      "a node joins clusters the testenv starts itself (LIVESYNC_TESTENV_PROVIDER=binaries, no external kubeconfigs)",
    );
  }
  let env: TestEnvironment;
  if (natsAuth && (plan.nats !== "binaries" || natsNodes > 1)) {
    throw new Error("NATS with authentication is started from the nats-server binary, one node");
  }
  if (natsNodes > 1 && plan.nats !== "binaries") {
    throw new Error(
      `a NATS cluster of ${natsNodes} is started from binaries only (NATS is planned as ${plan.nats})`,
    );
  }
  if (Object.values(plan).includes("containers")) {
    const { startWithContainers } = await import("./containers.js");
    env = await startWithContainers(plan, dir, clusterNames());
  } else {
    const registry = new ProcessRegistry(join(dir, "pids"));
    try {
      env = await startWithBinaries(plan, dir, registry, node, natsNodes, natsAuth);
    } catch (err) {
      await stopNode(dir);
      await registry.stopAll();
      throw err;
    }
  }
  writeFileSync(envFile(dir), JSON.stringify(env, null, 2) + "\n");
  return { env, startedHere: true, seconds: (Date.now() - began) / 1000 };
}

async function startWithBinaries(
  plan: Plan,
  dir: string,
  registry: ProcessRegistry,
  node: boolean,
  natsNodes: number,
  natsAuth?: NatsAuthSetup,
): Promise<TestEnvironment> {
  const bins: Binaries | undefined = Object.values(plan).includes("binaries")
    ? ensureBinaries({ prometheus: plan.prometheus === "binaries", node })
    : undefined;
  // Pods reach the host's servers on the machine's address, never on loopback.
  const address = node ? machineAddress() : undefined;
  const listen = address ? "0.0.0.0" : "127.0.0.1";
  const need = <T>(component: keyof Plan, start: (b: Binaries) => Promise<T>, ext: () => T) =>
    plan[component] === "binaries" ? start(bins!) : Promise.resolve(ext());

  const etcd =
    plan.clusters === "binaries" ? startEtcd(registry, bins!.etcd, join(dir, "etcd")) : undefined;
  const [nats, s3, prometheus, etcdUrl] = await Promise.all([
    need(
      "nats",
      (b) =>
        natsNodes > 1
          ? NatsCluster.start(registry, b.natsServer, join(dir, "nats"), natsNodes, listen).then(
              (c) => ({ url: c.url, nodes: [...c.nodes] }),
            )
          : startNats(registry, b.natsServer, join(dir, "nats"), listen, natsAuth),
      externalNats,
    ),
    need(
      "s3",
      (b) => startS3(registry, b.s3Server, join(dir, "s3"), listen),
      () => ({ s3: externalS3() }),
    ),
    need(
      "prometheus",
      (b) => startPrometheus(registry, b.prometheus, join(dir, "prometheus")),
      externalPrometheus,
    ),
    etcd?.then((e) => e.url),
  ]);
  const clusters: Record<string, ClusterEndpoint> = {};
  let nodeInfo: TestEnvironment["node"];
  if (plan.clusters === "binaries") {
    const started = await Promise.all(
      clusterNames().map((name) =>
        startCluster(registry, {
          name,
          dir: join(dir, "clusters", name),
          etcdUrl: etcdUrl!,
          apiserverBinary: bins!.kubeApiserver,
          controllerManagerBinary:
            process.env.LIVESYNC_TESTENV_CONTROLLER_MANAGER === "0"
              ? undefined
              : bins!.kubeControllerManager,
          ...(address ? { network: { address } } : {}),
          ...(address && name === "management" ? { nodeName: NODE_NAME } : {}),
        }),
      ),
    );
    clusterNames().forEach((name, i) => (clusters[name] = started[i]!.endpoint));
    if (address) {
      const mgmt = started[clusterNames().indexOf("management")]!;
      nodeInfo = await startNode({
        envDir: dir,
        address,
        bins: {
          kubelet: bins!.kubelet!,
          kubeScheduler: bins!.kubeScheduler!,
          kubeProxy: bins!.kubeProxy!,
        },
        kubeconfigs: {
          admin: mgmt.endpoint.kubeconfig,
          kubelet: mgmt.nodeKubeconfigs.kubelet!,
          scheduler: mgmt.nodeKubeconfigs.scheduler!,
          proxy: mgmt.nodeKubeconfigs.proxy!,
        },
      });
    }
  } else {
    Object.assign(clusters, externalClusters());
  }
  return {
    provider: plan.clusters === "external" ? "external" : "binaries",
    clusters,
    nats: {
      url: nats.url,
      ...("nodes" in nats ? { nodes: nats.nodes } : {}),
      ...("auth" in nats && nats.auth ? { auth: nats.auth } : {}),
    },
    s3: s3.s3,
    prometheus: { url: prometheus.url, targetsDir: prometheus.targetsDir },
    ...(etcdUrl ? { etcd: { url: etcdUrl } } : {}),
    ...(nodeInfo ? { node: nodeInfo } : {}),
  };
}

function externalNats(): TestEnvironment["nats"] {
  return { url: process.env.LIVESYNC_NATS_URL! };
}

function externalS3(): S3Endpoint {
  const e = process.env;
  return {
    endpoint: e.LIVESYNC_S3_ENDPOINT!,
    region: e.LIVESYNC_S3_REGION ?? TESTENV_REGION,
    bucket: e.LIVESYNC_S3_BUCKET!,
    accessKeyID: e.LIVESYNC_S3_ACCESS_KEY_ID!,
    secretAccessKey: e.LIVESYNC_S3_SECRET_ACCESS_KEY!,
    forcePathStyle: e.LIVESYNC_S3_FORCE_PATH_STYLE !== "false",
  };
}

function externalPrometheus(): { url: string; targetsDir?: string } {
  return { url: process.env.LIVESYNC_PROMETHEUS_URL! };
}

function externalClusters(): Record<string, ClusterEndpoint> {
  const out: Record<string, ClusterEndpoint> = {};
  for (const name of clusterNames()) {
    const kubeconfig = process.env[`LIVESYNC_${name.toUpperCase()}_KUBECONFIG`];
    if (!kubeconfig) throw new Error(`LIVESYNC_${name.toUpperCase()}_KUBECONFIG is not set`);
    const kc = new KubeConfig();
    kc.loadFromFile(kubeconfig);
    out[name] = { kubeconfig, server: kc.getCurrentCluster()?.server ?? "" };
  }
  return out;
}

/** Stops every process this environment started and forgets env.json; logs stay for reading. */
export async function down(opts: { dir?: string } = {}): Promise<void> {
  const dir = opts.dir ?? testenvDir();
  if (existsSync(join(dir, "containers.json"))) {
    const { stopContainers } = await import("./containers.js");
    await stopContainers(dir);
  }
  await stopNode(dir); // before the apiservers: the kubelet must not lose its API mid-teardown
  if (existsSync(join(dir, "pids"))) await new ProcessRegistry(join(dir, "pids")).stopAll();
  rmSync(envFile(dir), { force: true });
  for (const data of ["etcd/data", "nats/jetstream", "s3", "prometheus/data"]) {
    rmSync(join(dir, data), { recursive: true, force: true });
  }
}

export interface ComponentStatus {
  component: string;
  endpoint: string;
  healthy: boolean;
  detail?: string;
}

/** Which components of env.json answer, and which started processes are still alive. */
export async function status(dir = testenvDir()): Promise<{
  env?: TestEnvironment;
  components: ComponentStatus[];
  processes: { component: string; pid: number; alive: boolean }[];
}> {
  const env = readEnvFile(dir);
  const processes = [join(dir, "pids"), join(dir, "node", "pids")]
    .filter((d) => existsSync(d))
    .flatMap((d) => new ProcessRegistry(d).list())
    .map((p) => ({ component: p.component, pid: p.pid, alive: isAlive(p.pid) }));
  return { env, components: env ? await checkAll(env) : [], processes };
}

async function unhealthy(env: TestEnvironment): Promise<ComponentStatus[]> {
  return (await checkAll(env)).filter((c) => !c.healthy);
}

async function checkAll(env: TestEnvironment): Promise<ComponentStatus[]> {
  const checks: [string, string, () => Promise<unknown>][] = [
    ...Object.entries(env.clusters).map(
      ([name, c]) =>
        [`cluster ${name}`, c.server, () => clusterVersion(c.kubeconfig)] as [
          string,
          string,
          () => Promise<unknown>,
        ],
    ),
    ...env.nats.url
      .split(",")
      .map((url) => ["nats", url, () => tcpProbe(url)] as [string, string, () => Promise<unknown>]),
    ["s3", env.s3.endpoint, () => s3Probe(env.s3)],
    [
      "prometheus",
      env.prometheus.url,
      async () => {
        if (!(await httpOk(`${env.prometheus.url}/-/ready`))) throw new Error("not ready");
      },
    ],
    ...(env.node
      ? [
          [
            `node ${env.node.name}`,
            env.node.address,
            () => nodeReady(env.clusters.management!.kubeconfig, env.node!.name),
          ] as [string, string, () => Promise<unknown>],
        ]
      : []),
  ];
  return Promise.all(
    checks.map(async ([component, endpoint, check]) => {
      try {
        await check();
        return { component, endpoint, healthy: true };
      } catch (err) {
        return { component, endpoint, healthy: false, detail: (err as Error).message };
      }
    }),
  );
}

export async function clusterVersion(kubeconfig: string): Promise<string> {
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfig);
  const info = await kc.makeApiClient(VersionApi).getCode();
  return info.gitVersion;
}

function tcpProbe(url: string): Promise<void> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = tcpConnect({ host: u.hostname, port: Number(u.port), timeout: 2_000 });
    socket.once("connect", () => {
      socket.destroy();
      resolve();
    });
    socket.once("timeout", () => socket.destroy(new Error(`connect ${url} timed out`)));
    socket.once("error", reject);
  });
}

async function s3Probe(s3: S3Endpoint): Promise<void> {
  const client = s3Client(s3);
  try {
    await client.send(new HeadBucketCommand({ Bucket: s3.bucket }));
  } finally {
    client.destroy();
  }
}

/** A Docker engine answers on DOCKER_HOST or the default socket. */
export async function dockerAvailable(): Promise<boolean> {
  const host = process.env.DOCKER_HOST;
  if (host?.startsWith("tcp://")) {
    return tcpProbe(host.replace("tcp://", "http://")).then(
      () => true,
      () => false,
    );
  }
  const socket = host?.startsWith("unix://") ? host.slice(7) : "/var/run/docker.sock";
  if (!existsSync(socket)) return false;
  return new Promise((resolve) => {
    const s = tcpConnect({ path: socket, timeout: 1_000 });
    s.once("connect", () => {
      s.destroy();
      resolve(true);
    });
    s.once("error", () => resolve(false));
    s.once("timeout", () => {
      s.destroy();
      resolve(false);
    });
  });
}
