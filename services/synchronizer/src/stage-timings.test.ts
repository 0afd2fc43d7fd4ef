import { describe, expect, it } from "vitest";
import { StageTimings } from "./stage-timings.js";

describe("StageTimings", () => {
  it("sums, averages and keeps the longest per stage", () => {
    const t = new StageTimings();
    t.add("bus", 10);
    t.add("bus", 30);
    t.add("decide", -5); // a clock stepping back is no negative time
    const { stages } = t.summary();
    expect(stages.bus).toEqual({ count: 2, totalMs: 40, maxMs: 30, meanMs: 20 });
    expect(stages.decide).toEqual({ count: 1, totalMs: 0, maxMs: 0, meanMs: 0 });
    expect(stages.write.count).toBe(0);
  });

  it("tells how many writes were in flight on average over the write window", () => {
    const t = new StageTimings();
    expect(t.summary().writeWindow).toBeUndefined();
    // Two overlapping writes of 100 ms each over 150 ms: 200/150 in flight on average.
    t.addWrite(1_000, 1_100);
    t.addWrite(1_050, 1_150);
    const s = t.summary();
    expect(s.writeWindow).toEqual({ from: 1_000, to: 1_150 });
    expect(s.writesInFlight).toBeCloseTo(200 / 150);
    expect(s.stages.write).toMatchObject({ count: 2, totalMs: 200, meanMs: 100 });
  });
});
