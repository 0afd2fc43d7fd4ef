// A real node for the management cluster: containerd + runc, a CNI bridge, the kubelet,
// kube-scheduler and kube-proxy. One per machine (the bridge, iptables and sysctls are
// host-wide): a marker file names the environment that owns it, and the teardown that runs
// before every start clears what a crashed run left.

import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { isAlive, ProcessRegistry, stopProcess, type StartedProcess } from "../process.js";
import {
  BRIDGE,
  importImage,
  nodePaths,
  POD_CIDR,
  startContainerd,
  type NodePaths,
} from "./containerd.js";
import {
  captureHostState,
  deleteLink,
  pidsWithArg,
  removeIptablesChains,
  restoreHostState,
  unmountAll,
  type HostState,
} from "./host.js";
import { startNodeComponents, type NodeBinaries, type NodeKubeconfigs } from "./kubelet.js";
import { buildPauseImage, PAUSE_IMAGE } from "./oci.js";

/** What env.json records about the node. */
export interface NodeInfo {
  name: string;
  /** The machine's address: where pods reach the apiservers, NATS and S3. */
  address: string;
  podCIDR: string;
  bridge: string;
  /** containerd's socket; images go to its `k8s.io` namespace. */
  containerdSocket: string;
  dir: string;
}

export const NODE_NAME = "livesync-node";
/** Names the environment directory whose node runs on this machine. */
const OWNER_FILE = "/run/livesync-testenv-node";

export async function startNode(o: {
  envDir: string;
  address: string;
  bins: NodeBinaries;
  kubeconfigs: NodeKubeconfigs;
}): Promise<NodeInfo> {
  const dir = join(o.envDir, "node");
  await claimMachine(o.envDir);
  mkdirSync(dir, { recursive: true });
  // Before anything changes the host, and never over the values of a run that crashed.
  const stateFile = join(dir, "host-state.json");
  if (!existsSync(stateFile)) writeFileSync(stateFile, JSON.stringify(captureHostState()));
  const paths = nodePaths(dir);
  const registry = new ProcessRegistry(join(dir, "pids"));
  try {
    const pause = buildPauseImage(dir);
    await startContainerd(registry, paths, PAUSE_IMAGE);
    importImage(paths, pause);
    await startNodeComponents(registry, {
      paths,
      bins: o.bins,
      kubeconfigs: o.kubeconfigs,
      nodeName: NODE_NAME,
      address: o.address,
    });
  } catch (err) {
    await stopNode(o.envDir);
    throw err;
  }
  return {
    name: NODE_NAME,
    address: o.address,
    podCIDR: POD_CIDR,
    bridge: BRIDGE,
    containerdSocket: paths.socket,
    dir,
  };
}

/** One node per machine: refuse while another environment's node runs; adopt a dead one's. */
async function claimMachine(envDir: string): Promise<void> {
  if (existsSync(OWNER_FILE)) {
    const owner = readFileSync(OWNER_FILE, "utf8").trim();
    if (owner !== envDir) {
      const alive = new ProcessRegistry(join(owner, "node", "pids"))
        .list()
        .some((p) => isAlive(p.pid));
      if (alive) {
        throw new Error(
          `a test node already runs on this machine for ${owner}: stop it first ` +
            `(LIVESYNC_TESTENV_DIR=${owner} pnpm testenv down)`,
        );
      }
      await stopNode(owner);
    }
  }
  writeFileSync(OWNER_FILE, envDir);
}

/**
 * Stops the node and puts the host back: kubelet first (so it restarts nothing), then every
 * container of this containerd (runc and the shims, found by the environment's own paths),
 * containerd, the KUBE- and CNI- iptables chains, mounts, the bridge, the sysctls and the
 * directories the components made outside the environment. Safe to run on a crashed node.
 */
export async function stopNode(envDir: string): Promise<void> {
  const dir = join(envDir, "node");
  if (!existsSync(dir)) return;
  const paths = nodePaths(dir);
  const registry = new ProcessRegistry(join(dir, "pids"));
  const byName = (name: string) => registry.list().filter((p) => p.component === name);
  for (const name of ["kubelet", "kube-scheduler", "kube-proxy"]) await stopAll(byName(name));
  killContainers(paths);
  await stopAll(byName("containerd"));
  for (const pid of pidsWithArg(paths.socket)) await stopProcess(pid, 2_000); // shims
  await registry.stopAll();
  const left = removeIptablesChains();
  unmountAll(dir);
  deleteLink(BRIDGE);
  const stateFile = join(dir, "host-state.json");
  if (existsSync(stateFile)) {
    restoreHostState(JSON.parse(readFileSync(stateFile, "utf8")) as HostState);
    rmSync(stateFile);
  }
  // The kubelet's and containerd's state goes: a new node starts from nothing.
  for (const d of ["kubelet", "containerd", "cni-ipam", "pod-logs"]) {
    rmSync(join(dir, d), { recursive: true, force: true });
  }
  if (existsSync(OWNER_FILE) && readFileSync(OWNER_FILE, "utf8").trim() === envDir) {
    rmSync(OWNER_FILE);
  }
  if (left.length) throw new Error(`the node's teardown left iptables chains: ${left.join(", ")}`);
}

async function stopAll(procs: StartedProcess[]): Promise<void> {
  await Promise.all(procs.map((p) => stopProcess(p.pid)));
}

/** Every container runc runs for this containerd: killed and deleted, their netns go with them. */
function killContainers(paths: NodePaths): void {
  const root = join(paths.runcRoot, "k8s.io");
  if (!existsSync(root)) return;
  const list = spawnSync("runc", ["--root", root, "list", "-q"], { encoding: "utf8" });
  for (const id of list.stdout.split("\n").filter(Boolean)) {
    spawnSync("runc", ["--root", root, "kill", id, "KILL"], { stdio: "ignore" });
    spawnSync("runc", ["--root", root, "delete", "--force", id], { stdio: "ignore" });
  }
}
