import { describe, expect, it } from "vitest";
import { isNatsNotUp, whenNatsUp } from "./wait-for-nats.js";

/** An error as nats.js names its classes. */
const named = (name: string, message = "", code?: string) =>
  Object.assign(new Error(message), { name }, code ? { code } : {});

describe("isNatsNotUp: what the bus waits for rather than failing", () => {
  it("waits for a NATS that is not up yet", () => {
    expect(isNatsNotUp(named("ConnectionError", "connection refused"))).toBe(true);
    expect(isNatsNotUp(named("TimeoutError", "timeout"))).toBe(true);
    expect(isNatsNotUp(named("Error", "getaddrinfo ENOTFOUND nats", "ENOTFOUND"))).toBe(true);
  });

  it("fails at once on what NATS answers: a refused credential, a bad certificate", () => {
    expect(isNatsNotUp(named("AuthorizationError", "Authorization Violation"))).toBe(false);
    expect(
      isNatsNotUp(named("Error", "self-signed certificate", "DEPTH_ZERO_SELF_SIGNED_CERT")),
    ).toBe(false);
    expect(isNatsNotUp(undefined)).toBe(false);
  });
});

describe("whenNatsUp", () => {
  it("retries while NATS is not up, reporting each wait, then returns the connection", async () => {
    const waits: string[] = [];
    let calls = 0;
    const got = await whenNatsUp(
      async () => {
        if (++calls < 3) throw named("ConnectionError", "connection refused");
        return "connected";
      },
      { onWaiting: (e) => waits.push(e.message), firstDelayMs: 1 },
    );
    expect(got).toBe("connected");
    expect(waits).toEqual(["connection refused", "connection refused"]);
  });

  it("gives up at once on an error NATS answered with", async () => {
    let calls = 0;
    await expect(
      whenNatsUp(async () => {
        calls++;
        throw named("AuthorizationError", "Authorization Violation");
      }),
    ).rejects.toThrow(/Authorization Violation/);
    expect(calls).toBe(1);
  });
});
