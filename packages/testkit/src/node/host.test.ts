import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { containerdConfig, nodePaths } from "./containerd.js";
import { iptablesCleanupPlan, mountsUnder } from "./host.js";

describe("iptablesCleanupPlan", () => {
  const save = `*nat
:PREROUTING ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
:KUBE-SERVICES - [0:0]
:KUBE-POSTROUTING - [0:0]
:DOCKER - [0:0]
-A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
-A POSTROUTING -j KUBE-POSTROUTING
-A POSTROUTING -o eth0 -j MASQUERADE
-A KUBE-SERVICES -d 10.0.0.1/32 -j KUBE-SVC-X
COMMIT
*filter
:INPUT ACCEPT [0:0]
:CNI-FORWARD - [0:0]
-A INPUT -j DOCKER
-A INPUT -g CNI-FORWARD
COMMIT
`;

  it("deletes the jumps into KUBE-/CNI- chains from other chains, then those chains", () => {
    const plan = iptablesCleanupPlan(save, ["KUBE-", "CNI-"]);
    expect(plan.rules).toEqual([
      {
        table: "nat",
        args: [
          "-D",
          "PREROUTING",
          "-m",
          "comment",
          "--comment",
          '"kubernetes',
          "service",
          'portals"',
          "-j",
          "KUBE-SERVICES",
        ],
      },
      { table: "nat", args: ["-D", "POSTROUTING", "-j", "KUBE-POSTROUTING"] },
      { table: "filter", args: ["-D", "INPUT", "-g", "CNI-FORWARD"] },
    ]);
    expect(plan.chains).toEqual([
      { table: "nat", chain: "KUBE-SERVICES" },
      { table: "nat", chain: "KUBE-POSTROUTING" },
      { table: "filter", chain: "CNI-FORWARD" },
    ]);
  });

  it("leaves everything else alone", () => {
    const plan = iptablesCleanupPlan(save, ["NONE-"]);
    expect(plan).toEqual({ rules: [], chains: [] });
  });
});

describe("mountsUnder", () => {
  const mountinfo = [
    "22 1 8:1 / / rw - ext4 /dev/sda1 rw",
    "30 22 8:1 /x /env/node/kubelet rw - ext4 /dev/sda1 rw",
    "31 30 0:4 / /env/node/kubelet/pods/a/volumes/x rw - tmpfs tmpfs rw",
    "32 22 0:5 / /env/node-other rw - tmpfs tmpfs rw",
    "33 22 0:6 / /env/node/with\\040space rw - tmpfs tmpfs rw",
  ].join("\n");

  it("lists the mounts under a directory, deepest first, and not its namesakes", () => {
    expect(mountsUnder("/env/node", mountinfo)).toEqual([
      "/env/node/kubelet/pods/a/volumes/x",
      "/env/node/with space",
      "/env/node/kubelet",
    ]);
  });
});

describe("containerdConfig", () => {
  it("moves every path into the environment and sets the CRI options a test node needs", () => {
    const defaults = readFileSync(
      new URL("./containerd-default.fixture.toml", import.meta.url),
      "utf8",
    );
    const out = containerdConfig(defaults, nodePaths("/env/node"), "localhost/pause:1");
    expect(out).toContain('root = "/env/node/containerd/root"');
    expect(out).toContain('state = "/env/node/containerd/state"');
    expect(out).toContain('  address = "/env/node/containerd/containerd.sock"');
    expect(out).toContain('sandbox_image = "localhost/pause:1"');
    expect(out).toContain('conf_dir = "/env/node/cni"');
    expect(out).toContain('Root = "/env/node/containerd/runc"');
    expect(out).toMatch(/SystemdCgroup = false/);
    expect(out).toMatch(/restrict_oom_score_adj = true/);
    expect(out).not.toMatch(/"\/(run|var\/lib|opt)\/containerd/);
  });

  it("names the setting it cannot find", () => {
    expect(() => containerdConfig("version = 2\n", nodePaths("/e"), "p")).toThrow(/root = /);
  });
});
