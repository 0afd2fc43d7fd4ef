/**
 * A child process kept running the way a Deployment keeps a pod: whenever it exits (killed by
 * the soak, or failing to start while the bus is down) it is started again after a second.
 * Its resident memory is sampled from /proc, per incarnation.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { openSync, closeSync, readFileSync } from "node:fs";

export interface RssSample {
  /** Milliseconds since the supervisor started. */
  atMs: number;
  /** Which incarnation (0 for the first process, +1 for each restart). */
  incarnation: number;
  rssMB: number;
}

export class Supervised {
  readonly samples: RssSample[] = [];
  restarts = 0;
  private child?: ChildProcess;
  private stopping = false;
  private readonly started = Date.now();
  private readonly sampler: NodeJS.Timeout;

  constructor(
    readonly name: string,
    private readonly command: string,
    private readonly args: string[],
    private readonly logFile: string,
    sampleEveryMs = 5_000,
  ) {
    this.spawn();
    this.sampler = setInterval(() => this.sample(), sampleEveryMs);
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  private spawn(): void {
    const fd = openSync(this.logFile, "a");
    const child = spawn(this.command, this.args, { stdio: ["ignore", fd, fd] });
    closeSync(fd);
    this.child = child;
    child.once("exit", () => {
      if (this.stopping) return;
      this.restarts++;
      setTimeout(() => !this.stopping && this.spawn(), 1_000);
    });
  }

  private sample(): void {
    const pid = this.child?.pid;
    if (pid === undefined) return;
    try {
      const kb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1]);
      if (kb > 0) {
        this.samples.push({
          atMs: Date.now() - this.started,
          incarnation: this.restarts,
          rssMB: Math.round(kb / 1024),
        });
      }
    } catch {
      // Between a kill and the restart: nothing to sample.
    }
  }

  /** SIGKILL: no clean-up, no lease release, in-flight work lost (it is restarted). */
  kill(): void {
    this.child?.kill("SIGKILL");
  }

  /** SIGTERM and wait for the exit; no restart. */
  async stop(): Promise<void> {
    this.stopping = true;
    clearInterval(this.sampler);
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once("exit", r));
    child.kill("SIGTERM");
    const timeout = setTimeout(() => child.kill("SIGKILL"), 15_000);
    await exited;
    clearTimeout(timeout);
  }
}

export interface RssSummary {
  firstMB: number;
  lastMB: number;
  peakMB: number;
  /** Peak of the first and second half of the run (after the warm-up). */
  earlyPeakMB: number;
  latePeakMB: number;
  samples: number;
  /** The late peak stays within 1.5x the early peak plus 50 MB: no growth without bound. */
  bounded: boolean;
}

/** Whether memory grew without bound: the second half's peak against the first half's. */
export function summarizeRss(samples: RssSample[], warmUpMs: number): RssSummary {
  const rss = samples.map((s) => s.rssMB);
  const settled = samples.filter((s) => s.atMs >= warmUpMs);
  const mid = settled.length ? (settled[0]!.atMs + settled.at(-1)!.atMs) / 2 : 0;
  const peak = (xs: RssSample[]) => Math.max(0, ...xs.map((s) => s.rssMB));
  const earlyPeakMB = peak(settled.filter((s) => s.atMs < mid));
  const latePeakMB = peak(settled.filter((s) => s.atMs >= mid));
  return {
    firstMB: rss[0] ?? 0,
    lastMB: rss.at(-1) ?? 0,
    peakMB: Math.max(0, ...rss),
    earlyPeakMB,
    latePeakMB,
    samples: samples.length,
    bounded: latePeakMB <= earlyPeakMB * 1.5 + 50,
  };
}
