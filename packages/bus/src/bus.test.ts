import { describe, expect, it } from "vitest";
import { PermanentError, RetryBudget } from "./bus.js";

describe("RetryBudget", () => {
  const outage = new Error("connect ECONNREFUSED");
  const budget = () =>
    new RetryBudget({
      maxAttempts: 3,
      retryDelayMs: (n) => n * 10,
      isTransient: (e) => e === outage,
    });

  it("retries transient failures forever, with the delay of the attempt", () => {
    const b = budget();
    for (let attempt = 1; attempt <= 50; attempt++) {
      expect(b.onFailure(7, attempt, outage)).toEqual({ retryMs: attempt * 10 });
    }
    expect(b.failed(7)).toBe(0);
  });

  it("dead-letters after maxAttempts ordinary failures, whatever came between", () => {
    const b = budget();
    expect(b.onFailure(1, 1, new Error("409"))).toEqual({ retryMs: 10 });
    expect(b.onFailure(1, 2, outage)).toEqual({ retryMs: 20 });
    expect(b.onFailure(1, 3, new Error("409"))).toEqual({ retryMs: 20 });
    expect(b.failed(1)).toBe(2);
    expect(b.onFailure(1, 4, new Error("409"))).toEqual({ deadLetter: true });
    expect(b.failed(1)).toBe(0);
  });

  it("dead-letters a PermanentError at once, and forgets acknowledged messages", () => {
    const b = budget();
    expect(b.onFailure(2, 1, new PermanentError("garbage"))).toEqual({ deadLetter: true });
    b.onFailure(3, 1, new Error("409"));
    b.done(3);
    expect(b.failed(3)).toBe(0);
  });
});
