/**
 * A pod and its NATS start together, in any order: a component that finds no NATS yet waits for
 * it (saying so) instead of exiting, which on Kubernetes would put it in CrashLoopBackOff and
 * keep it there for minutes after NATS is up.
 */
import { afterAll, expect, it } from "vitest";
import { eventually, startPrivateNats, type PrivateNats } from "@livesync/testkit";
import { connectBus } from "../src/connect-bus.js";

let nats: PrivateNats | undefined;
afterAll(async () => nats?.stop());

it("connects once NATS comes up, after reporting that it waits for it", async () => {
  nats = await startPrivateNats("nats-late");
  await nats.kill(); // its port is known and nothing listens on it
  const waits: string[] = [];
  const connecting = connectBus({ natsUrl: nats.url, onBusWaiting: (e) => waits.push(e.message) });
  await eventually(async () => (waits.length >= 2 ? true : undefined), {
    what: "the bus to report that it waits for NATS",
  });
  expect(waits[0]).toMatch(/connection refused/);
  await nats.start();
  const bus = await connecting;
  try {
    const stored = await bus.publish(
      "livesync.events.late",
      new TextEncoder().encode("{}"),
      "late-1",
    );
    expect(stored.duplicate).toBe(false);
  } finally {
    await bus.close();
  }
}, 120_000);
