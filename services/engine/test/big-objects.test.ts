/**
 * Objects bigger than NATS' max_payload (1 MiB by default) replicate like any other: a Secret of
 * 1,000,000 random bytes (1.33 MB once base64 in the envelope) is created, updated and deleted,
 * and a small Secret after it is not held up.
 */
import { randomBytes } from "node:crypto";
import { type V1Secret } from "@kubernetes/client-node";
import { afterAll, afterEach, describe, expect, inject, it } from "vitest";
import { InProcessBus, PayloadTooLargeError } from "@livesync/bus";
import { decodeEvent } from "@livesync/core";
import { EventsListener } from "@livesync/events-listener";
import { Cluster } from "@livesync/kube";
import { eventually, kubeConfigFor } from "@livesync/testkit";
import { EngineTestbed, uniq } from "../src/testing.js";

const env = inject("testenv");
const bed = new EngineTestbed(env, "big");
const { srcCore, dstCore } = bed;

afterEach(() => bed.stopEngine());
afterAll(() => bed.removeNamespaces());

const namespace = () => bed.namespace();

const selectedBy = (label: string) => ({
  group: "",
  version: "v1",
  resource: "secrets",
  filters: { selector: { matchLabels: { "big-objects": label } } },
});

const secret = (name: string, label: string, bytes: number): V1Secret => ({
  metadata: { name, labels: { "big-objects": label } },
  data: { blob: randomBytes(bytes).toString("base64") },
});

describe.each([
  [
    "jetstream",
    () => ({ natsUrl: env.nats.url, stream: uniq("BIG").toUpperCase().replace(/-/g, "_") }),
  ],
  ["in-process bus", () => ({})],
])("big objects on %s", (_bus, busOptions) => {
  it("replicates a 1 MB Secret's create, update and delete, and the small Secret after it", async () => {
    const ns = await namespace();
    const label = uniq("run");
    const engine = await bed.start(
      [
        {
          name: uniq("big"),
          resources: [selectedBy(label)],
        },
      ],
      busOptions(),
    );
    const read = (name: string) => dstCore.readNamespacedSecret({ name, namespace: ns });
    const arrived = (name: string, blob: string | undefined, what: string) =>
      eventually(
        async () =>
          (await read(name).catch(() => undefined))?.data?.blob === blob ? true : undefined,
        { what },
      );

    const big = secret("big", label, 1_000_000);
    await srcCore.createNamespacedSecret({ namespace: ns, body: big });
    const small = secret("small", label, 100);
    await srcCore.createNamespacedSecret({ namespace: ns, body: small });
    await arrived("small", small.data!.blob, "the small Secret after the big one to arrive");
    await arrived("big", big.data!.blob, "the 1 MB Secret to arrive with identical data");

    const bigger = secret("big", label, 1_000_000);
    await srcCore.replaceNamespacedSecret({ name: "big", namespace: ns, body: bigger });
    await arrived("big", bigger.data!.blob, "the 1 MB Secret's update to arrive");

    await srcCore.deleteNamespacedSecret({ name: "big", namespace: ns });
    await eventually(
      async () => ((await read("big").catch((err) => err.code)) === 404 ? true : undefined),
      { what: "the 1 MB Secret's delete to propagate" },
    );
    const [status] = await engine.status();
    expect(status?.failed).toBe(0);
    expect(status?.problems).toEqual([]);
  });
});

/** A bus that can never carry messages above `limit` bytes, as JetStream above maxMessageBytes. */
class RefusingBus extends InProcessBus {
  constructor(private readonly limit: number) {
    super();
  }

  override async publish(subject: string, data: Uint8Array, id: string) {
    if (data.length > this.limit) throw new PayloadTooLargeError(data.length, this.limit);
    return super.publish(subject, data, id);
  }
}

describe("an object the bus can never carry", () => {
  it("fails alone: the rest of its resource flows, and the failure clears when it goes", async () => {
    const ns = await namespace();
    const label = uniq("run");
    const bus = new RefusingBus(100_000);
    await bus.ensureConsumer("test");
    const names: string[] = [];
    const sub = await bus.consume("test", async (d) => void names.push(decodeEvent(d.data).name));
    const source = await Cluster.fromKubeConfig("source", kubeConfigFor(env, "source"));
    const listener = new EventsListener(
      { liveSync: "livesync-system/refusing", source, resources: [selectedBy(label)] },
      bus,
    );
    try {
      await listener.start();
      await srcCore.createNamespacedSecret({ namespace: ns, body: secret("big", label, 200_000) });
      await srcCore.createNamespacedSecret({ namespace: ns, body: secret("small", label, 100) });
      await eventually(async () => (names.includes("small") ? true : undefined), {
        what: "the small Secret to be published after the refused one",
      });
      expect([...listener.stats.failedObjects]).toEqual([`v1/secrets ${ns}/big`]);
      expect(listener.stats.lastPublishError).toContain("larger than the bus limit");

      await srcCore.deleteNamespacedSecret({ name: "big", namespace: ns });
      await eventually(async () => (listener.stats.failedObjects.size === 0 ? true : undefined), {
        what: "the failure to clear once the object is deleted",
      });
    } finally {
      await listener.stop();
      await sub.stop();
      source.close();
    }
  });
});
