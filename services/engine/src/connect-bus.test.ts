import { describe, expect, it } from "vitest";
import { isNatsNotUp } from "./connect-bus.js";

/** An error as nats.js names its classes (the engine does not import nats.js itself). */
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
