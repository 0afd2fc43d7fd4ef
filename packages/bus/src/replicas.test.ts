import { errors } from "@nats-io/transport-node";
import { JetStreamApiError } from "@nats-io/jetstream";
import { describe, expect, it } from "vitest";
import {
  autoReplicas,
  checkReplicas,
  differs,
  isTransient,
  replicasFor,
  withRetries,
} from "./replicas.js";

const three = ["a:4222", "b:4222", "c:4222"];

describe("replicas", () => {
  it("are 3 on a cluster of three or more servers, 1 on a lone server or a pair", () => {
    expect(autoReplicas({ cluster: "c", connect_urls: three })).toBe(3);
    expect(autoReplicas({ cluster: "c", connect_urls: [...three, "d:4222", "e:4222"] })).toBe(3);
    expect(autoReplicas({ cluster: "c", connect_urls: ["a:4222", "b:4222"] })).toBe(1);
    expect(autoReplicas({ connect_urls: [] })).toBe(1);
    expect(autoReplicas(undefined)).toBe(1);
    // Servers that do not advertise: nothing tells the size.
    expect(autoReplicas({ cluster: "c" })).toBe(1);
  });

  it("configured win, up or down; the automatic count never lowers an existing stream", () => {
    expect(replicasFor(1, 3, 3)).toBe(1);
    expect(replicasFor(3, 1, 1)).toBe(3);
    expect(replicasFor(undefined, 1, 3)).toBe(3);
    expect(replicasFor(undefined, 3, 1)).toBe(3);
    expect(replicasFor(undefined, 1, undefined)).toBe(1);
  });

  it("outside 1..5 or fractional are refused, naming where", () => {
    expect(() => checkReplicas(0, "--nats-replicas")).toThrow(
      "--nats-replicas: replicas must be a whole number from 1 to 5, not 0",
    );
    expect(() => checkReplicas(2.5, "x")).toThrow(/not 2.5/);
    expect(() => checkReplicas(7, "x")).toThrow(/not 7/);
    expect(checkReplicas(3, "x")).toBe(3);
  });
});

describe("a stream's config", () => {
  it("differs only in fields livesync sets", () => {
    const current = { name: "S", subjects: ["a.>"], num_replicas: 3, max_msgs: -1 };
    expect(differs({ subjects: ["a.>"], num_replicas: 3 }, current)).toBe(false);
    expect(differs({ subjects: ["a.>"], num_replicas: 1 }, current)).toBe(true);
    expect(differs({ subjects: ["b.>"] }, current)).toBe(true);
    expect(differs({ max_age: 5 }, current)).toBe(true);
    expect(differs({ max_age: undefined }, current)).toBe(false);
  });
});

describe("transient publish failures", () => {
  const api = (code: number, err_code: number) =>
    new JetStreamApiError({ code, err_code, description: "x" });
  const notEnabled = Object.assign(new Error("jetstream is not enabled"), {
    name: "JetStreamNotEnabled",
  });

  it("are timeouts, no responders, lost connections and 503s; not refusals or a closed bus", () => {
    expect(isTransient(new errors.TimeoutError())).toBe(true);
    expect(isTransient(notEnabled)).toBe(true);
    expect(isTransient(new errors.ConnectionError("gone"))).toBe(true);
    expect(isTransient(api(503, 10008))).toBe(true);
    expect(isTransient(api(400, 10060))).toBe(false);
    expect(isTransient(new errors.ClosedConnectionError())).toBe(false);
    expect(isTransient(new Error("anything else"))).toBe(false);
  });

  it("are retried until the deadline; a refusal at once", async () => {
    let clock = 0;
    const sleep = async (ms: number) => void (clock += ms);
    const now = () => clock;
    let calls = 0;
    const flaky = async () => {
      if (++calls < 4) throw new errors.TimeoutError();
      return "ok";
    };
    await expect(withRetries(flaky, 10_000, sleep, now)).resolves.toBe("ok");
    expect(calls).toBe(4);

    calls = 0;
    const down = async () => {
      calls++;
      throw new errors.TimeoutError();
    };
    clock = 0;
    await expect(withRetries(down, 5_000, sleep, now)).rejects.toThrow(errors.TimeoutError);
    expect(clock).toBe(5_000);

    calls = 0;
    const refused = async () => {
      calls++;
      throw api(400, 10060);
    };
    await expect(withRetries(refused, 5_000, sleep, now)).rejects.toThrow(JetStreamApiError);
    expect(calls).toBe(1);
  });
});
