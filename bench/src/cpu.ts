/**
 * CPU seconds spent by each process of the test environment (apiservers, etcd, NATS, …) and by
 * the bench process itself over a measured span. On a machine with few cores a run is bound by
 * the CPU all of them need together, not by one process: comparing the totals of livesync's
 * run with the direct client's tells how close to the baseline livesync can get at best.
 */
import { readFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { status } from "@livesync/testkit";

/** Kernel clock ticks per second (USER_HZ): 100 on Linux for every architecture we run on. */
const TICKS_PER_SECOND = 100;

function cpuSecondsOf(pid: number): number | undefined {
  try {
    // Fields after the command (which may hold spaces) : utime is the 12th, stime the 13th.
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
  } catch {
    return undefined;
  }
}

export interface CpuSpan {
  /** CPU seconds per process, "this process" for the bench (and an in-process livesync). */
  seconds: Record<string, number>;
  total: number;
  wallSeconds: number;
  /** Mean cores busy: total / wall. Near `cores`, the machine was the limit. */
  coresBusy: number;
  cores: number;
}

export class CpuMeter {
  private readonly begin: Map<string, number>;
  private readonly startedAt = performance.now();

  private constructor(private readonly pids: { component: string; pid: number }[]) {
    this.begin = this.sample();
  }

  /** The test environment's processes, and `more` (livesync's own processes, by name). */
  static async start(more: { component: string; pid: number }[] = []): Promise<CpuMeter> {
    return new CpuMeter([...(await status()).processes.filter((p) => p.alive), ...more]);
  }

  private sample(): Map<string, number> {
    const now = new Map<string, number>();
    for (const p of this.pids) {
      const s = cpuSecondsOf(p.pid);
      if (s !== undefined) now.set(p.component, (now.get(p.component) ?? 0) + s);
    }
    const self = process.cpuUsage();
    now.set("this process", (self.user + self.system) / 1e6);
    return now;
  }

  stop(): CpuSpan {
    const wallSeconds = (performance.now() - this.startedAt) / 1000;
    const seconds: Record<string, number> = {};
    for (const [k, v] of this.sample()) {
      const used = v - (this.begin.get(k) ?? v);
      // Idle processes (the management cluster, Prometheus) would only clutter the figures.
      if (used >= 0.05) seconds[k] = round(used);
    }
    const total = round(Object.values(seconds).reduce((a, b) => a + b, 0));
    const cores = availableParallelism();
    return {
      seconds,
      total,
      wallSeconds: round(wallSeconds),
      coresBusy: round(total / wallSeconds),
      cores,
    };
  }
}

const round = (n: number) => Math.round(n * 100) / 100;
