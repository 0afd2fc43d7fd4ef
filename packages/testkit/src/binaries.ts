import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { repoRoot } from "./env.js";

export interface Binaries {
  etcd: string;
  kubeApiserver: string;
  kubeControllerManager: string;
  natsServer: string;
  s3Server: string;
  /** The helm CLI: the chart tests run helm lint and helm template. */
  helm: string;
  /** A node's components: present in the manifest once built (`ensureBinaries({ node: true })`). */
  kubelet?: string;
  kubeScheduler?: string;
  kubeProxy?: string;
  prometheus: string;
  versions: Record<string, string>;
}

/**
 * Builds (first time only) and locates the component binaries. The Go builds live in
 * tools/build-binaries.sh, which caches by version outside the repo and holds a lock, so
 * parallel callers wait for one build instead of racing.
 */
export function ensureBinaries(opts: { prometheus: boolean; node?: boolean }): Binaries {
  const components = ["k8s", "nats", "s3", "helm", ...(opts.node ? ["node"] : [])];
  return { ...build(components), prometheus: opts.prometheus ? findPrometheus() : "" };
}

/** The helm binary, built on first use (only helm: a chart test needs nothing else). */
export const helmBinary = (): string => build(["helm"]).helm;

/** nats-server and its version (e.g. v2.11.17), built on first use: the NATS image holds it. */
export function natsServerBinary(): { path: string; version: string } {
  const b = build(["nats"]);
  return { path: b.natsServer, version: b.versions.nats ?? "" };
}

/** Runs tools/build-binaries.sh for `components` (none: all) and reads its manifest. */
function build(components: string[]): Omit<Binaries, "prometheus"> {
  const script = join(repoRoot(), "tools", "build-binaries.sh");
  const result = spawnSync("bash", [script, ...components], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  if (result.status !== 0) {
    throw new Error(
      `building the test binaries failed (bash ${script} exited ${result.status}); its output is above`,
    );
  }
  const binDir = result.stdout.toString().trim().split("\n").pop() ?? "";
  return JSON.parse(readFileSync(join(binDir, "manifest.json"), "utf8")) as Omit<
    Binaries,
    "prometheus"
  >;
}

function findPrometheus(): string {
  const candidates = [process.env.LIVESYNC_PROMETHEUS_BIN, "/usr/bin/prometheus"];
  for (const c of candidates) if (c && existsSync(c)) return c;
  try {
    return execFileSync("sh", ["-c", "command -v prometheus"]).toString().trim();
  } catch {
    throw new Error(
      "prometheus not found: install Debian's package (apt-get install prometheus), " +
        "or set LIVESYNC_PROMETHEUS_BIN, or point LIVESYNC_PROMETHEUS_URL at a running one",
    );
  }
}
