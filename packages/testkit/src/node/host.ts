// The host-wide state a node changes (sysctls, directories outside the environment, mounts,
// the bridge, iptables chains), recorded before the node starts and put back by the teardown,
// which also runs before every start: a crashed run must not break the next one.

import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { networkInterfaces } from "node:os";

/** What the kubelet, kube-proxy and the CNI bridge plugin set. */
export const NODE_SYSCTLS = [
  "kernel/panic",
  "kernel/panic_on_oops",
  "vm/overcommit_memory",
  "vm/panic_on_oom",
  "net/ipv4/ip_forward",
  "net/ipv4/conf/all/route_localnet",
  "net/bridge/bridge-nf-call-iptables",
  "net/netfilter/nf_conntrack_max",
] as const;

/** Host paths the kubelet, containerd and libcni create whatever their configured dirs are. */
export const HOST_PATHS = [
  "/var/lib/kubelet",
  "/var/log/containers",
  "/var/log/pods",
  "/run/containerd",
  "/var/lib/cni",
  "/opt/containerd",
] as const;

/** Saved before a node starts; what the teardown restores. */
export interface HostState {
  sysctls: Record<string, string>;
  /** HOST_PATHS that did not exist: the teardown removes them. */
  createdPaths: string[];
}

export function captureHostState(): HostState {
  const sysctls: Record<string, string> = {};
  for (const key of NODE_SYSCTLS) {
    const value = readSysctl(key);
    if (value !== undefined) sysctls[key] = value;
  }
  return { sysctls, createdPaths: HOST_PATHS.filter((p) => !existsSync(p)) };
}

export function restoreHostState(state: HostState): void {
  for (const [key, value] of Object.entries(state.sysctls)) {
    if (readSysctl(key) === value) continue;
    try {
      writeFileSync(`/proc/sys/${key}`, value);
    } catch (err) {
      throw new Error(`restoring sysctl ${key.replaceAll("/", ".")}=${value}: ${String(err)}`);
    }
  }
  for (const path of state.createdPaths) {
    unmountAll(path); // never delete through a mount
    rmSync(path, { recursive: true, force: true });
  }
}

function readSysctl(key: string): string | undefined {
  try {
    return readFileSync(`/proc/sys/${key}`, "utf8").trim();
  } catch {
    return undefined;
  }
}

/**
 * The machine's own non-loopback IPv4 address: pods reach the apiservers, NATS and S3 there
 * (loopback inside a pod is the pod's own).
 */
export function machineAddress(): string {
  const override = process.env.LIVESYNC_TESTENV_NODE_ADDRESS;
  if (override) return override;
  for (const [name, addrs] of Object.entries(networkInterfaces())) {
    if (name === "lo" || name.startsWith("lsync")) continue;
    const v4 = addrs?.find((a) => a.family === "IPv4" && !a.internal);
    if (v4) return v4.address;
  }
  throw new Error(
    "a node needs a non-loopback IPv4 address on this machine (none found); set LIVESYNC_TESTENV_NODE_ADDRESS",
  );
}

/** Mount points under `root`, deepest first (the order to unmount them). */
export function mountsUnder(
  root: string,
  mountinfo = readFileSync("/proc/self/mountinfo", "utf8"),
) {
  const prefix = root.endsWith("/") ? root : `${root}/`;
  return mountinfo
    .split("\n")
    .map((line) => line.split(" ")[4])
    .filter((m): m is string => !!m)
    .map((m) => m.replace(/\\040/g, " "))
    .filter((m) => m === root || m.startsWith(prefix))
    .sort((a, b) => b.length - a.length);
}

export function unmountAll(root: string): void {
  // A mount may be listed several times (stacked); unmount until none is left.
  for (let round = 0; round < 5; round++) {
    const mounts = mountsUnder(root);
    if (mounts.length === 0) return;
    for (const m of mounts) spawnSync("umount", ["-l", m], { stdio: "ignore" });
  }
  const left = mountsUnder(root);
  if (left.length) throw new Error(`could not unmount ${left.join(", ")}`);
}

export function deleteLink(name: string): void {
  if (existsSync(`/sys/class/net/${name}`)) {
    execFileSync("ip", ["link", "delete", name], { stdio: "ignore" });
  }
}

/**
 * The rules of iptables-save output to delete and the chains to remove, for chains whose names
 * start with one of `prefixes` (in every table). Pure, so it is unit-tested.
 */
export function iptablesCleanupPlan(save: string, prefixes: readonly string[]) {
  const ours = (chain: string) => prefixes.some((p) => chain.startsWith(p));
  const rules: { table: string; args: string[] }[] = [];
  const chains: { table: string; chain: string }[] = [];
  let table = "";
  for (const line of save.split("\n")) {
    if (line.startsWith("*")) table = line.slice(1).trim();
    else if (line.startsWith(":")) {
      const chain = line.slice(1).split(" ")[0]!;
      if (ours(chain)) chains.push({ table, chain });
    } else if (line.startsWith("-A ")) {
      const words = line.split(" ");
      const chain = words[1]!;
      const at = words.findIndex((w) => w === "-j" || w === "-g");
      const jump = at >= 0 ? (words[at + 1] ?? "") : "";
      if (!ours(chain) && ours(jump)) rules.push({ table, args: ["-D", ...words.slice(1)] });
    }
  }
  return { rules, chains };
}

/** Removes the KUBE- and CNI- chains (and the jumps to them) from iptables and ip6tables. */
export function removeIptablesChains(prefixes: readonly string[] = ["KUBE-", "CNI-"]): string[] {
  const left: string[] = [];
  for (const tool of ["iptables", "ip6tables"]) {
    const save = spawnSync(`${tool}-save`, [], { encoding: "utf8" });
    if (save.status !== 0) continue;
    const plan = iptablesCleanupPlan(save.stdout, prefixes);
    // iptables-save quotes arguments with spaces (comments): let the shell word-split them.
    for (const r of plan.rules) {
      spawnSync("sh", ["-c", `${tool} -w -t ${r.table} ${r.args.join(" ")}`], { stdio: "ignore" });
    }
    for (const c of plan.chains) spawnSync(tool, ["-w", "-t", c.table, "-F", c.chain]);
    for (const c of plan.chains) {
      const del = spawnSync(tool, ["-w", "-t", c.table, "-X", c.chain]);
      if (del.status !== 0) left.push(`${tool} -t ${c.table} ${c.chain}`);
    }
  }
  return left;
}

/** Processes whose command line contains `needle` (e.g. the environment's containerd socket). */
export function pidsWithArg(needle: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, "utf8");
      if (cmdline.split("\0").includes(needle)) pids.push(Number(entry));
    } catch {
      /* exited meanwhile */
    }
  }
  return pids;
}
