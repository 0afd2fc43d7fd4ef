import { describe, expect, it } from "vitest";
import { PublishWindow } from "./publish-window.js";

const tick = () => new Promise((r) => setTimeout(r, 1));

describe("PublishWindow", () => {
  it("runs every item once, never more than `size` at once, across batches", async () => {
    let running = 0;
    let most = 0;
    const done: number[] = [];
    const w = new PublishWindow<number>(async (n) => {
      most = Math.max(most, ++running);
      await tick();
      running--;
      done.push(n);
    }, 3);
    w.add([0, 1, 2, 3, 4]);
    await tick();
    w.add([5, 6]);
    w.add(Array.from({ length: 2_000 }, (_, i) => 7 + i));
    await w.drain();
    expect(most).toBe(3);
    expect(done.sort((a, b) => a - b)).toEqual(Array.from({ length: 2_007 }, (_, i) => i));
  });

  it("stops at the first failure and drain() throws it", async () => {
    const started: number[] = [];
    const w = new PublishWindow<number>(async (n) => {
      started.push(n);
      await tick();
      if (n === 1) throw new Error("bus unreachable");
    }, 2);
    w.add([0, 1, 2, 3, 4, 5, 6, 7]);
    await expect(w.drain()).rejects.toThrow("bus unreachable");
    expect(started.length).toBeLessThan(8);
    // The next page of a list that failed is dropped, not started.
    w.add([8, 9]);
    await expect(w.drain()).rejects.toThrow("bus unreachable");
    expect(started).not.toContain(8);
  });

  it("room() holds a faster producer back until the backlog is down to the window", async () => {
    const finish: (() => void)[] = [];
    const w = new PublishWindow<number>(() => new Promise<void>((r) => finish.push(r)), 2);
    let roomy = false;
    w.add([0, 1, 2, 3, 4]);
    expect(w.backlog).toBe(5);
    const waiting = w.room().then(() => (roomy = true));
    await tick();
    expect(finish).toHaveLength(2); // two running, three queued
    finish.shift()!();
    await tick();
    expect(roomy).toBe(false); // four left
    finish.shift()!();
    finish.shift()!();
    await tick();
    expect(roomy).toBe(true); // two left: the window's size
    await waiting;
    expect(w.backlog).toBeLessThanOrEqual(2);
    await expect(w.room()).resolves.toBeUndefined();
    while (finish.length > 0 || w.backlog > 0) {
      finish.shift()?.();
      await tick();
    }
    await w.drain();
  });

  it("room() rejects with the failure, so the producer stops fetching", async () => {
    const w = new PublishWindow<number>(async (n) => {
      await tick();
      if (n === 1) throw new Error("bus unreachable");
    }, 1);
    w.add([0, 1, 2, 3]);
    await expect(w.room()).rejects.toThrow("bus unreachable");
    await expect(w.room()).rejects.toThrow("bus unreachable");
    await expect(w.drain()).rejects.toThrow("bus unreachable");
  });

  it("drains at once when nothing was added", async () => {
    await new PublishWindow<number>(async () => undefined).drain();
  });
});
