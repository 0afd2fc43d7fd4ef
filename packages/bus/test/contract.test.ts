/**
 * One contract, two buses: JetStream (real nats-server from the testkit) and in-process.
 */
import { randomBytes } from "node:crypto";
import { afterEach, describe, expect, inject, it } from "vitest";
import { eventually } from "@livesync/testkit";
import {
  InProcessBus,
  JetStreamBus,
  PermanentError,
  type EventBus,
  type Subscription,
} from "../src/index.js";

const env = inject("testenv");
const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array) => new TextDecoder().decode(b);

const buses: [string, (prefix: string) => Promise<EventBus>][] = [
  ["in-process", async () => new InProcessBus()],
  [
    "jetstream",
    (prefix) =>
      JetStreamBus.connect({
        url: env.nats.url,
        stream: prefix.toUpperCase(),
        subjects: [`${prefix}.>`],
      }),
  ],
];

describe.each(buses)("%s bus", (_name, make) => {
  const open: { bus: EventBus; subs: Subscription[] }[] = [];
  afterEach(async () => {
    for (const o of open.splice(0)) {
      for (const s of o.subs) await s.stop();
      await o.bus.close();
    }
  });
  const setup = async () => {
    const prefix = `c${randomBytes(4).toString("hex")}`;
    const entry = { bus: await make(prefix), subs: [] as Subscription[] };
    open.push(entry);
    return { ...entry, subject: (s: string) => `${prefix}.${s}` };
  };

  it("delivers each message once and drops a repeated id", async () => {
    const { bus, subs, subject } = await setup();
    await bus.ensureConsumer("sync");
    expect((await bus.publish(subject("a"), enc("1"), "id-1")).duplicate).toBe(false);
    expect((await bus.publish(subject("a"), enc("1"), "id-1")).duplicate).toBe(true);
    await bus.publish(subject("b"), enc("2"), "id-2");
    const got: string[] = [];
    subs.push(await bus.consume("sync", async (d) => void got.push(dec(d.data))));
    await eventually(async () => (got.length === 2 ? true : undefined), { what: "two deliveries" });
    await new Promise((r) => setTimeout(r, 200));
    expect(got.sort()).toEqual(["1", "2"]);
    await eventually(async () => ((await bus.pending("sync")) === 0 ? true : undefined), {
      what: "nothing pending",
    });
  });

  it("redelivers after a failure and counts attempts", async () => {
    const { bus, subs, subject } = await setup();
    await bus.ensureConsumer("sync");
    await bus.publish(subject("x"), enc("flaky"), "id-f");
    const attempts: number[] = [];
    subs.push(
      await bus.consume(
        "sync",
        async (d) => {
          attempts.push(d.deliveryCount);
          if (d.deliveryCount < 3) throw new Error("apiserver unavailable");
        },
        { retryDelayMs: () => 50 },
      ),
    );
    await eventually(async () => (attempts.length === 3 ? true : undefined), {
      what: "3 attempts",
    });
    expect(attempts).toEqual([1, 2, 3]);
    expect(await bus.deadLetters()).toEqual([]);
  });

  it("waits out transient failures beyond maxAttempts; the budget is left whole after", async () => {
    const { bus, subs, subject } = await setup();
    await bus.ensureConsumer("sync");
    await bus.publish(subject("o"), enc("during an outage"), "id-o");
    const seen: { attempt: number; failed: number }[] = [];
    const outage = Object.assign(new Error("connect ECONNREFUSED"), { transient: true });
    subs.push(
      await bus.consume(
        "sync",
        async (d) => {
          seen.push({ attempt: d.deliveryCount, failed: d.failedAttempts });
          // Six attempts meet the outage, then one ordinary failure, then success.
          if (d.deliveryCount <= 6) throw outage;
          if (d.deliveryCount === 7) throw new Error("copy changed while applying");
        },
        { maxAttempts: 2, retryDelayMs: () => 20, isTransient: (e) => e === outage },
      ),
    );
    await eventually(async () => (seen.length === 8 ? true : undefined), { what: "8 attempts" });
    expect(seen.map((s) => s.failed)).toEqual([0, 0, 0, 0, 0, 0, 0, 1]);
    expect(await bus.deadLetters()).toEqual([]);
  });

  it("dead-letters a poison message with its reason while the rest keep flowing", async () => {
    const { bus, subs, subject } = await setup();
    await bus.ensureConsumer("sync");
    await bus.publish(subject("p"), enc("poison"), "id-p");
    await bus.publish(subject("p"), enc("bad"), "id-bad");
    for (let i = 0; i < 5; i++) await bus.publish(subject("ok"), enc(`ok-${i}`), `id-ok-${i}`);
    const ok: string[] = [];
    subs.push(
      await bus.consume(
        "sync",
        async (d) => {
          const text = dec(d.data);
          if (text === "poison") throw new Error("422 Invalid: spec.selector is immutable");
          if (text === "bad") throw new PermanentError("not a livesync event");
          ok.push(text);
        },
        { maxAttempts: 3, retryDelayMs: () => 20 },
      ),
    );
    const dead = await eventually(
      async () => {
        const d = await bus.deadLetters();
        return d.length === 2 ? d : undefined;
      },
      { what: "two dead letters" },
    );
    const byData = Object.fromEntries(dead.map((d) => [dec(d.data), d]));
    expect(byData.poison?.reason).toContain("spec.selector is immutable");
    expect(byData.poison?.attempts).toBe(3);
    expect(byData.bad?.reason).toBe("not a livesync event");
    expect(byData.bad?.attempts).toBe(1);
    expect(byData.poison?.subject).toBe(`livesync.deadletter.${subject("p")}`);
    expect(ok.sort()).toEqual(["ok-0", "ok-1", "ok-2", "ok-3", "ok-4"]);
  });

  it("carries a 2 MB message intact, and dead-letters it intact", async () => {
    const { bus, subs, subject } = await setup();
    await bus.ensureConsumer("sync");
    // Twice NATS' default max_payload: a Secret near the apiserver's limit, base64 in JSON.
    const big = randomBytes(2_000_000);
    expect((await bus.publish(subject("big"), big, "id-big")).duplicate).toBe(false);
    expect((await bus.publish(subject("big"), big, "id-big")).duplicate).toBe(true);
    await bus.publish(subject("small"), enc("small"), "id-small");
    const got: Uint8Array[] = [];
    subs.push(
      await bus.consume("sync", async (d) => {
        got.push(d.data);
        if (d.data.length === big.length) throw new PermanentError("too big to apply");
      }),
    );
    await eventually(async () => (got.length === 2 ? true : undefined), { what: "two deliveries" });
    const [received, other] = got.sort((a, b) => b.length - a.length);
    expect(Buffer.compare(received!, big)).toBe(0);
    expect(dec(other!)).toBe("small");
    const [dead] = await eventually(
      async () => {
        const d = await bus.deadLetters();
        return d.length === 1 ? d : undefined;
      },
      { what: "the big message's dead letter" },
    );
    expect(dead?.reason).toBe("too big to apply");
    expect(Buffer.compare(dead!.data, big)).toBe(0);
  });

  it("keeps a durable consumer's place across a stop: nothing lost, nothing acknowledged twice", async () => {
    const { bus, subject } = await setup();
    await bus.ensureConsumer("sync");
    for (let i = 0; i < 10; i++) await bus.publish(subject("d"), enc(`m${i}`), `id-d${i}`);
    const first: string[] = [];
    const sub1 = await bus.consume("sync", async (d) => void first.push(dec(d.data)), {
      concurrency: 1,
    });
    await eventually(async () => (first.length >= 10 ? true : undefined), { what: "first batch" });
    await sub1.stop();
    for (let i = 10; i < 15; i++) await bus.publish(subject("d"), enc(`m${i}`), `id-d${i}`);
    // Acks are fire-and-forget: the server may apply the last ones just after stop() returns.
    await eventually(async () => ((await bus.pending("sync")) === 5 ? true : undefined), {
      what: "exactly the five new messages pending",
    });
    const second: string[] = [];
    const sub2 = await bus.consume("sync", async (d) => void second.push(dec(d.data)));
    await eventually(async () => (second.length >= 5 ? true : undefined), { what: "second batch" });
    await sub2.stop();
    expect(second.sort()).toEqual(["m10", "m11", "m12", "m13", "m14"]);
  });
});
