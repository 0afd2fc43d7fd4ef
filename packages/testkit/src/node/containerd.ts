import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { waitUntilReady, type ProcessRegistry, type StartedProcess } from "../process.js";

/** The containerd namespace the kubelet's CRI uses: images must be imported there. */
export const K8S_NAMESPACE = "k8s.io";
/** Debian's containernetworking-plugins. */
export const CNI_BIN_DIR = "/usr/lib/cni";
export const BRIDGE = "lsync0";
export const POD_CIDR = "10.88.0.0/24";

export interface NodePaths {
  dir: string;
  socket: string;
  runcRoot: string;
  cniConfDir: string;
}

export function nodePaths(dir: string): NodePaths {
  return {
    dir,
    socket: join(dir, "containerd", "containerd.sock"),
    runcRoot: join(dir, "containerd", "runc"),
    cniConfDir: join(dir, "cni"),
  };
}

/**
 * containerd's default configuration with everything it keeps moved into the environment's
 * directory, runc with cgroupfs, and the CRI settings that work in a privileged container
 * (no apparmor, no lowering of OOM scores).
 */
export function containerdConfig(defaults: string, paths: NodePaths, sandboxImage: string): string {
  const c = join(paths.dir, "containerd");
  const set: [RegExp, string][] = [
    [/^root = .*$/m, `root = "${c}/root"`],
    [/^state = .*$/m, `state = "${c}/state"`],
    [/^( {2}address = )"\/run\/containerd\/containerd\.sock"$/m, `$1"${paths.socket}"`],
    [/^( +sandbox_image = ).*$/m, `$1"${sandboxImage}"`],
    [/^( +restrict_oom_score_adj = ).*$/m, "$1true"],
    [/^( +disable_apparmor = ).*$/m, "$1true"],
    [/^( +netns_mounts_under_state_dir = ).*$/m, "$1true"],
    [/^( +bin_dir = ).*$/m, `$1"${CNI_BIN_DIR}"`],
    [/^( +conf_dir = ).*$/m, `$1"${paths.cniConfDir}"`],
    [/^( +Root = ).*$/m, `$1"${paths.runcRoot}"`],
    [/^( +SystemdCgroup = ).*$/m, "$1false"],
    [/^( +path = )"\/opt\/containerd"$/m, `$1"${c}/opt"`],
  ];
  let out = defaults;
  for (const [re, value] of set) {
    if (!re.test(out)) throw new Error(`containerd's default configuration has no ${re}`);
    out = out.replace(re, value);
  }
  return out;
}

/** A bridge with host-local addresses: the host reaches every pod IP through the bridge. */
export function cniConflist(dir: string): string {
  return JSON.stringify(
    {
      cniVersion: "1.0.0",
      name: "livesync-testenv",
      plugins: [
        {
          type: "bridge",
          bridge: BRIDGE,
          isGateway: true,
          ipMasq: false, // pods only talk to the machine and to each other
          hairpinMode: true,
          ipam: {
            type: "host-local",
            ranges: [[{ subnet: POD_CIDR }]],
            routes: [{ dst: "0.0.0.0/0" }],
            dataDir: join(dir, "cni-ipam"),
          },
        },
      ],
    },
    null,
    2,
  );
}

export async function startContainerd(
  registry: ProcessRegistry,
  paths: NodePaths,
  sandboxImage: string,
): Promise<StartedProcess> {
  mkdirSync(join(paths.dir, "containerd"), { recursive: true });
  mkdirSync(paths.cniConfDir, { recursive: true });
  writeFileSync(join(paths.cniConfDir, "10-livesync.conflist"), cniConflist(paths.dir));
  const defaults = execFileSync("containerd", ["config", "default"], { encoding: "utf8" });
  const config = join(paths.dir, "containerd", "config.toml");
  writeFileSync(config, containerdConfig(defaults, paths, sandboxImage));
  const proc = registry.start({
    component: "containerd",
    binary: "containerd",
    args: ["--config", config],
    logFile: join(paths.dir, "containerd.log"),
  });
  await waitUntilReady(proc, async () => ctr(paths, ["version"]).status === 0, 30_000);
  return proc;
}

export function ctr(paths: NodePaths, args: string[]) {
  return spawnSync("ctr", ["--address", paths.socket, "--namespace", K8S_NAMESPACE, ...args], {
    encoding: "utf8",
  });
}

/** Imports an OCI archive where the kubelet finds it; returns the seconds it took. */
export function importImage(paths: NodePaths, archive: string): number {
  const began = Date.now();
  const result = ctr(paths, ["images", "import", archive]);
  if (result.status !== 0) {
    throw new Error(`ctr images import ${archive} failed: ${result.stderr.trim()}`);
  }
  return (Date.now() - began) / 1000;
}
