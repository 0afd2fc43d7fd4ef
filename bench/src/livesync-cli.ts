/**
 * The livesync CLI as a user runs it, in its own process (so its peak RSS is its own), against
 * the test environment: `-f DIR` manifests for the test clusters and bucket, backup and restore.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BUCKET_NAME, manifestsFor } from "@livesync/engine/testing";
import { repoRoot, type TestEnvironment } from "@livesync/testkit";
import type { BenchContext, SeedPlan } from "./backup-common.js";

/** Writes what `livesync … -f DIR` reads (Secrets, KubernetesClusters, the Bucket `archive`). */
export function cliManifests(env: TestEnvironment): string {
  const m = manifestsFor(env, []);
  const dir = mkdtempSync(join(tmpdir(), "livesync-bench-"));
  [...m.secrets, ...m.clusters, ...m.buckets].forEach((d, i) =>
    writeFileSync(join(dir, `${i}.yaml`), JSON.stringify(d)),
  );
  return dir;
}

export interface ChildRun {
  code: number | null;
  stdout: string;
  stderr: string;
  seconds: number;
  peakRssMB: number;
}

/** Runs `livesync <args>` as a user does (its own process), sampling its peak RSS. */
export function livesyncCli(args: string[]): Promise<ChildRun> {
  const main = join(repoRoot(), "services", "cli", "src", "main.ts");
  return measuredChild(process.execPath, ["--import", "tsx", main, ...args]);
}

async function measuredChild(cmd: string, args: string[]): Promise<ChildRun> {
  const start = performance.now();
  const child = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
  child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
  // VmHWM is the kernel's high-water mark of the RSS: sampling it misses at most the last tick.
  let peakKB = 0;
  const sample = () => {
    try {
      const status = readFileSync(`/proc/${child.pid}/status`, "utf8");
      peakKB = Math.max(peakKB, Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0));
    } catch {
      // The process has exited.
    }
  };
  const timer = setInterval(sample, 50);
  const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
  clearInterval(timer);
  const seconds = (performance.now() - start) / 1000;
  return { code, stdout, stderr, seconds, peakRssMB: Math.round(peakKB / 1024) };
}

/**
 * `livesync backup create` of the seeded objects into the Bucket `archive`, in its own process:
 * seconds (process start to exit), items/s, peak RSS, and what its JSON says.
 */
export async function livesyncBackup(ctx: BenchContext, plan: SeedPlan, name: string) {
  const args = ["backup", "create", name, "-f", cliManifests(ctx.env), "--source", "source"];
  args.push("--bucket", BUCKET_NAME, "--include-namespaces", plan.namespaces.join(","));
  args.push("--selector", `bench=${plan.run}`, "-o", "json");
  const r = await livesyncCli(args);
  if (r.code !== 0 && r.code !== 3) {
    return { error: `livesync backup create exited ${r.code}: ${lastLine(r.stderr)}` };
  }
  const out = JSON.parse(r.stdout) as { phase: string; itemsBackedUp: number; atomic: boolean };
  return {
    seconds: r.seconds,
    itemsPerSecond: out.itemsBackedUp / r.seconds,
    peakRssMB: r.peakRssMB,
    atomic: out.atomic,
    phase: out.phase,
    items: out.itemsBackedUp,
  };
}

/**
 * `livesync restore create` of `backup` into the destination with `policy`: seconds (process
 * start to exit), items/s (objects created, updated, deleted or found unchanged), peak RSS and
 * the counts of its JSON.
 */
export async function livesyncRestore(
  ctx: BenchContext,
  backup: string,
  policy: "none" | "revert",
  name: string,
) {
  const args = ["restore", "create", name, "-f", cliManifests(ctx.env)];
  args.push("--destination", "destination", "--from-backup", backup, "--bucket", BUCKET_NAME);
  args.push("--policy", policy, "-o", "json");
  const r = await livesyncCli(args);
  if (r.code !== 0 && r.code !== 3) {
    return { error: `livesync restore create exited ${r.code}: ${lastLine(r.stderr)}` };
  }
  const out = JSON.parse(r.stdout) as { phase: string; counts: Record<string, number> };
  const c = out.counts;
  const items = (c.created ?? 0) + (c.updated ?? 0) + (c.deleted ?? 0) + (c.unchanged ?? 0);
  return {
    seconds: r.seconds,
    itemsPerSecond: items / r.seconds,
    peakRssMB: r.peakRssMB,
    phase: out.phase,
    counts: c,
  };
}

const lastLine = (text: string) => text.trim().split("\n").pop() ?? "";
