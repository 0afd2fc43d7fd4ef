/**
 * What the benches run livesync's processes from: the compiled application exactly as the image
 * ships it (`pnpm image --app`: compiled JavaScript, production dependencies only), staged once
 * per bench run, with the chart's V8 flags, so memory and CPU are production's.
 * `--from-sources` runs the TypeScript sources through tsx instead (about 36 MB more per process).
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CLI_MAIN, stageApp } from "@livesync/image";

const REPO = join(import.meta.dirname, "../..");

/**
 * The V8 flags the chart gives every component (`nodeOptions` in its values): the benches run
 * livesync's processes as a pod would (`--node-options ""` for V8's defaults).
 */
function chartNodeOptions(): string[] {
  const i = process.argv.indexOf("--node-options");
  if (i >= 0) return (process.argv[i + 1] ?? "").split(" ").filter(Boolean);
  const values = readFileSync(join(REPO, "deploy/helm/livesync/values.yaml"), "utf8");
  const flags = /^nodeOptions:\s*"([^"]*)"/m.exec(values)?.[1] ?? "";
  return flags.split(" ").filter(Boolean);
}

/** The arguments of `node` that run the `livesync` command. */
export function livesyncCommand(): string[] {
  const v8 = chartNodeOptions();
  if (process.argv.includes("--from-sources")) {
    return [...v8, "--import", "tsx", join(REPO, "services/cli/src/main.ts")];
  }
  const tsc = spawnSync("pnpm", ["exec", "tsc", "-b"], { cwd: REPO, encoding: "utf8" });
  if (tsc.status !== 0) throw new Error(`compiling before staging failed:\n${tsc.stdout}`);
  const app = mkdtempSync(join(tmpdir(), "livesync-bench-app-"));
  stageApp(REPO, app);
  return [...v8, join(app, CLI_MAIN)];
}
