import { describe, expect, it } from "vitest";
import type { ReconcileReport } from "@livesync/reconciler";
import { needsAnotherPass, SettlingReconciles } from "./settle.js";

const report = (o: Partial<ReconcileReport> = {}, refused?: string): ReconcileReport => ({
  at: "2026-01-01T00:00:00Z",
  durationMs: 1,
  pruned: 0,
  repaired: 0,
  missing: 0,
  stale: 0,
  resources: [
    {
      resource: "v1/configmaps",
      selected: 1,
      copies: 1,
      pruned: 0,
      repaired: 0,
      missing: 0,
      stale: 0,
      failed: 0,
      refused,
    },
  ],
  ...o,
});

describe("needsAnotherPass", () => {
  it("stops once a pass finds nothing and no event waits", () => {
    expect(needsAnotherPass(report(), 0)).toBe(false);
  });
  it("goes on while events wait: one of them may bring back a copy whose source is gone", () => {
    expect(needsAnotherPass(report(), 3)).toBe(true);
    expect(needsAnotherPass(report(), -1)).toBe(true); // the bus could not say
  });
  it("goes on after a pass that acted, refused or failed", () => {
    expect(needsAnotherPass(report({ pruned: 1 }), 0)).toBe(true);
    expect(needsAnotherPass(report({ stale: 2 }), 0)).toBe(true);
    expect(needsAnotherPass(report({}, "source list failed"), 0)).toBe(true);
    expect(needsAnotherPass(undefined, 0)).toBe(true);
  });
});

describe("SettlingReconciles", () => {
  it("repeats passes until settled, then stops", async () => {
    const pending = [2, 0, 0];
    let passes = 0;
    const s = new SettlingReconciles(
      async () => report({ pruned: ++passes === 2 ? 1 : 0 }),
      async () => pending.shift() ?? 0,
      { firstDelayMs: 1, intervalMs: 1 },
    );
    s.start();
    await new Promise((r) => setTimeout(r, 100));
    // 1: events wait; 2: pruned one; 3: settled.
    expect(passes).toBe(3);
  });
  it("stop() cancels the passes to come", async () => {
    let passes = 0;
    const s = new SettlingReconciles(
      async () => (passes++, undefined),
      async () => 0,
      { firstDelayMs: 1, intervalMs: 20 },
    );
    s.start();
    await new Promise((r) => setTimeout(r, 10));
    s.stop();
    await new Promise((r) => setTimeout(r, 60));
    expect(passes).toBe(1);
  });
});
