import { describe, expect, it } from "vitest";
import { connectOptions, natsAuthFrom } from "./connection.js";

describe("connectOptions", () => {
  it("is the plain connection without credentials", () => {
    expect(connectOptions("nats://n:4222")).toEqual({
      servers: ["nats://n:4222"],
      name: "livesync",
      maxReconnectAttempts: -1,
      noAsyncTraces: true,
    });
  });

  it("adds user, password, its own inbox prefix and the CA", () => {
    const o = connectOptions("nats://n:4222", {
      user: "synchronizer",
      password: "p",
      tls: { caFile: "/ca.crt" },
    });
    expect(o).toMatchObject({
      user: "synchronizer",
      pass: "p",
      inboxPrefix: "_INBOX_synchronizer",
      tls: { caFile: "/ca.crt" },
    });
  });

  it("speaks TLS for a tls:// URL even without a CA of its own", () => {
    expect(connectOptions("tls://n:4222").tls).toEqual({});
  });
});

describe("natsAuthFrom", () => {
  it("reads the flags first, then LIVESYNC_NATS_*; the password only from the environment", () => {
    const auth = natsAuthFrom(
      { "nats-user": "archiver", "nats-ca": "/flag-ca" },
      {
        LIVESYNC_NATS_USER: "ignored",
        LIVESYNC_NATS_PASSWORD: "secret",
        LIVESYNC_NATS_CA: "/env-ca",
        LIVESYNC_NATS_CERT: "/c",
        LIVESYNC_NATS_KEY: "/k",
      },
    );
    expect(auth).toEqual({
      user: "archiver",
      password: "secret",
      tls: { caFile: "/flag-ca", certFile: "/c", keyFile: "/k" },
    });
  });

  it("is empty without any of them", () => {
    expect(natsAuthFrom({}, {})).toEqual({});
  });

  it("refuses a password without a user, and a certificate without its key", () => {
    expect(() => natsAuthFrom({}, { LIVESYNC_NATS_PASSWORD: "p" })).toThrow(/without a user/);
    expect(() => natsAuthFrom({ "nats-cert": "/c" }, {})).toThrow(
      /both --nats-cert and --nats-key/,
    );
  });
});
