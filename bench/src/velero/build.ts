import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { repoRoot } from "@livesync/testkit";

export interface VeleroBinaries {
  velero: string;
  /** A directory holding only velero-plugin-for-aws (Velero starts every executable in it). */
  pluginDir: string;
  versions: { velero: string; veleroPluginForAws: string };
}

/**
 * Velero and its AWS plugin, built from the Go module proxy on first use into the livesync cache
 * (tools/build-velero.sh: locked and resumable; many minutes on two cores the first time).
 */
export function ensureVelero(): VeleroBinaries {
  const script = join(repoRoot(), "tools", "build-velero.sh");
  const result = spawnSync("nice", ["bash", script], { stdio: ["ignore", "pipe", "inherit"] });
  if (result.status !== 0) {
    throw new Error(`building velero failed (bash ${script} exited ${result.status})`);
  }
  const manifest = result.stdout.toString().trim().split("\n").pop() ?? "";
  return JSON.parse(readFileSync(manifest, "utf8")) as VeleroBinaries;
}
