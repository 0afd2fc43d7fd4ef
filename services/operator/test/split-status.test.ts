/**
 * Split deployment: the controller, the events-listener and the synchronizer run as separate
 * operators (`--components`, as the chart's pods do) sharing one JetStream. A conflict only
 * the synchronizer process sees still shows in the LiveSynchronization's conditions: each
 * process reports its view to the `<stream>_STATUS` bucket and the controller merges them.
 */
import { randomBytes } from "node:crypto";
import { CoreV1Api } from "@kubernetes/client-node";
import { eventually, freshNamespace, kubeConfigFor } from "@livesync/testkit";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { cond, Fixture } from "./fixture.js";

const env = inject("testenv");
const src = kubeConfigFor(env, "source");
const dst = kubeConfigFor(env, "destination");
let f: Fixture;

beforeAll(async () => {
  f = await Fixture.create(env, dst, "split-status");
});
afterAll(() => f?.close());

describe("split deployment status", () => {
  it("a conflict seen only by the synchronizer process shows in the LiveSynchronization's conditions", async () => {
    const source = await freshNamespace(src, "split-src", { "split-dr": f.ns });
    f.onCleanup(source.remove);
    const srcCore = src.makeApiClient(CoreV1Api);
    const dstCore = dst.makeApiClient(CoreV1Api);
    const configMap = (name: string, data: Record<string, string>) => ({
      metadata: { name, namespace: source.name },
      data,
    });
    await srcCore.createNamespacedConfigMap({
      namespace: source.name,
      body: configMap("free", { v: "1" }),
    });
    await srcCore.createNamespacedConfigMap({
      namespace: source.name,
      body: configMap("taken", { v: "source" }),
    });
    // In the destination the name is taken by an object livesync did not create.
    await dstCore.createNamespace({ body: { metadata: { name: source.name } } });
    f.onCleanup(() => dstCore.deleteNamespace({ name: source.name }));
    await dstCore.createNamespacedConfigMap({
      namespace: source.name,
      body: configMap("taken", { v: "someone else's" }),
    });

    await f.liveSync("split", [
      {
        version: "v1",
        resource: "configmaps",
        filters: { namespaceSelector: { matchLabels: { "split-dr": f.ns } } },
      },
    ]);
    const bus = {
      natsUrl: env.nats.url,
      stream: `SPLIT_${randomBytes(3).toString("hex").toUpperCase()}`,
      statusReportMs: 500,
    };
    await f.operator({ engineOptions: { ...bus, components: [] } });
    await f.operator({
      controller: false,
      engineOptions: { ...bus, components: ["events-listener"] },
    });
    await f.operator({
      controller: false,
      engineOptions: { ...bus, components: ["synchronizer"] },
    });

    const path = f.path("livesynchronizations", "split");
    const degraded = await f.condition(path, "Degraded", (c) => c.status === "True", 90_000);
    expect(cond(degraded, "Degraded")?.message).toMatch(
      new RegExp(`conflict: .*${source.name}/taken.*not created by livesync`),
    );
    expect(cond(degraded, "Ready")).toMatchObject({ status: "False", reason: "Degraded" });
    // The counts come from the synchronizer's report too.
    await eventually(async () => ((await f.get(path)).status?.synced === 1 ? true : undefined), {
      what: "status.synced 1 (the free ConfigMap)",
    });
    const copy = await dstCore.readNamespacedConfigMap({ name: "taken", namespace: source.name });
    expect(copy.data).toEqual({ v: "someone else's" });

    // Once the other object goes, the synchronizer's next report clears the condition.
    await dstCore.deleteNamespacedConfigMap({ name: "taken", namespace: source.name });
    const taken = await srcCore.readNamespacedConfigMap({ name: "taken", namespace: source.name });
    await srcCore.replaceNamespacedConfigMap({
      name: "taken",
      namespace: source.name,
      body: { ...taken, data: { v: "source, again" } },
    });
    await f.condition(path, "Degraded", (c) => c.status === "False", 90_000);
    expect(f.errors).toEqual([]);
  }, 180_000);
});
