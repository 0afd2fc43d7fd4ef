/**
 * What the benches run livesync's processes from: the compiled application exactly as the image
 * ships it (`pnpm image --app`: compiled JavaScript, production dependencies only), staged once
 * per bench run, so memory and CPU are production's. `--from-sources` runs the TypeScript
 * sources through tsx instead (about 36 MB more per process).
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CLI_MAIN, stageApp } from "@livesync/image";

const REPO = join(import.meta.dirname, "../..");

/** The arguments of `node` that run the `livesync` command. */
export function livesyncCommand(): string[] {
  if (process.argv.includes("--from-sources")) {
    return ["--import", "tsx", join(REPO, "services/cli/src/main.ts")];
  }
  const tsc = spawnSync("pnpm", ["exec", "tsc", "-b"], { cwd: REPO, encoding: "utf8" });
  if (tsc.status !== 0) throw new Error(`compiling before staging failed:\n${tsc.stdout}`);
  const app = mkdtempSync(join(tmpdir(), "livesync-bench-app-"));
  stageApp(REPO, app);
  return [join(app, CLI_MAIN)];
}
