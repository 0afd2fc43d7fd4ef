/**
 * The reconcile passes that follow taking the lead. The first one, shortly after, finds the
 * deletes nobody watched while no listener ran. It is not enough alone: an event that waited
 * out an outage in the stream (an ADDED of an object deleted since, while nobody watched) may
 * be applied only after that pass looked, and bring the copy back with nothing left to remove
 * it before the next resyncPeriod. So passes repeat while the synchronizer still has events
 * waiting or the last pass found work, and stop once one finds the copies settled.
 */
import type { ReconcileReport } from "@livesync/reconciler";

export interface SettleOptions {
  firstDelayMs: number;
  /** Between follow-up passes (default 30 s: the longest redelivery delay). */
  intervalMs?: number;
  /** Follow-up passes at most, whatever happens (default 20). */
  maxPasses?: number;
}

/** Whether another pass is needed: the last one acted or failed, or events still wait. */
export function needsAnotherPass(report: ReconcileReport | undefined, pending: number): boolean {
  if (!report) return true; // the pass failed: the source or destination may be back soon
  if (pending !== 0) return true;
  if (report.resources.some((r) => r.refused)) return true;
  return report.pruned + report.missing + report.stale + report.repaired > 0;
}

/** Runs passes until settled; `stop` (leadership lost) cancels the rest. */
export class SettlingReconciles {
  private stopped = false;
  private timer?: NodeJS.Timeout;
  private wake?: () => void;

  constructor(
    private readonly pass: () => Promise<ReconcileReport | undefined>,
    private readonly pending: () => Promise<number>,
    private readonly opts: SettleOptions,
  ) {}

  start(): void {
    void this.run();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.wake?.();
  }

  private async run(): Promise<void> {
    await this.sleep(this.opts.firstDelayMs);
    for (let i = 0; i <= (this.opts.maxPasses ?? 20) && !this.stopped; i++) {
      const report = await this.pass();
      if (this.stopped) return;
      const pending = await this.pending().catch(() => -1);
      if (!needsAnotherPass(report, pending)) return;
      await this.sleep(this.opts.intervalMs ?? 30_000);
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.wake = resolve;
      this.timer = setTimeout(resolve, ms);
      this.timer.unref();
    });
  }
}
