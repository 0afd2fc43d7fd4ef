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
  prometheus: string;
  versions: Record<string, string>;
}

/**
 * Builds (first time only) and locates the component binaries. The Go builds live in
 * tools/build-binaries.sh, which caches by version outside the repo and holds a lock, so
 * parallel callers wait for one build instead of racing.
 */
export function ensureBinaries(opts: { prometheus: boolean }): Binaries {
  const script = join(repoRoot(), "tools", "build-binaries.sh");
  const result = spawnSync("bash", [script], { stdio: ["ignore", "pipe", "inherit"] });
  if (result.status !== 0) {
    throw new Error(
      `building the test binaries failed (bash ${script} exited ${result.status}); its output is above`,
    );
  }
  const binDir = result.stdout.toString().trim().split("\n").pop() ?? "";
  const manifest = JSON.parse(readFileSync(join(binDir, "manifest.json"), "utf8")) as Omit<
    Binaries,
    "prometheus"
  >;
  return { ...manifest, prometheus: opts.prometheus ? findPrometheus() : "" };
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
