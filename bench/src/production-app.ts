/**
 * What the benches run livesync's processes from: the compiled application exactly as the image
 * ships it (`pnpm image --app`: compiled JavaScript, production dependencies only), staged once
 * per bench run, with the chart's V8 flags, so memory and CPU are production's.
 * `--from-sources` runs the TypeScript sources through tsx instead (about 36 MB more per process).
 */
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync } from "node:fs";
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

/** `node`'s arguments that run the `livesync` command, and those that run one reconcile pass. */
export interface LivesyncCommands {
  cli: string[];
  reconcilePass: string[];
}

const PASS = "reconcile-pass.mjs";

export function livesyncCommands(): LivesyncCommands {
  const v8 = chartNodeOptions();
  if (process.argv.includes("--from-sources")) {
    const tsx = [...v8, "--import", "tsx"];
    return {
      cli: [...tsx, join(REPO, "services/cli/src/main.ts")],
      reconcilePass: [...tsx, join(import.meta.dirname, PASS)],
    };
  }
  const tsc = spawnSync("pnpm", ["exec", "tsc", "-b"], { cwd: REPO, encoding: "utf8" });
  if (tsc.status !== 0) throw new Error(`compiling before staging failed:\n${tsc.stdout}`);
  const app = mkdtempSync(join(tmpdir(), "livesync-bench-app-"));
  stageApp(REPO, app);
  // Beside the engine, whose dependencies include the reconciler, the bus and the kube client.
  const pass = join(app, "services/engine", PASS);
  copyFileSync(join(import.meta.dirname, PASS), pass);
  return { cli: [...v8, join(app, CLI_MAIN)], reconcilePass: [...v8, pass] };
}
