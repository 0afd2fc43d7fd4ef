/**
 * Child processes whose memory the benches measure from outside: the kernel's VmHWM (peak
 * resident set) read from /proc while they run, so a short peak between samples is not missed.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";

/** VmHWM of `pid` in KiB, or undefined once the process is gone. */
function peakKiB(pid: number | undefined): number | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    return Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
  } catch {
    return undefined;
  }
}

export class SampledProcess {
  readonly child: ChildProcess;
  stdout = "";
  stderr = "";
  private peak = 0;
  private readonly timer: NodeJS.Timeout;
  readonly exited: Promise<number | null>;

  constructor(cmd: string, args: string[]) {
    this.child = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"] });
    this.child.stdout!.on("data", (c: Buffer) => (this.stdout += c.toString()));
    this.child.stderr!.on("data", (c: Buffer) => (this.stderr += c.toString()));
    this.timer = setInterval(() => this.sample(), 50);
    this.exited = new Promise((resolve) => this.child.once("exit", resolve));
    void this.exited.then(() => clearInterval(this.timer));
  }

  private sample(): void {
    this.peak = Math.max(this.peak, peakKiB(this.child.pid) ?? 0);
  }

  /** Peak resident set so far, in MiB. */
  get peakRssMB(): number {
    this.sample();
    return Math.round(this.peak / 1024);
  }

  /** SIGTERM, then SIGKILL after `graceMs`; resolves with the peak RSS in MiB. */
  async stop(graceMs = 15_000): Promise<number> {
    const peak = this.peakRssMB;
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill("SIGTERM");
      const killer = setTimeout(() => this.child.kill("SIGKILL"), graceMs);
      await this.exited;
      clearTimeout(killer);
    }
    clearInterval(this.timer);
    return peak;
  }
}

/** Runs `cmd args` to its end; its output and peak RSS. */
export async function measuredChild(
  cmd: string,
  args: string[],
): Promise<{ code: number | null; stdout: string; stderr: string; peakRssMB: number }> {
  const p = new SampledProcess(cmd, args);
  const code = await p.exited;
  return { code, stdout: p.stdout, stderr: p.stderr, peakRssMB: p.peakRssMB };
}
