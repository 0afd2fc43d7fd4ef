/**
 * A CRD installed after the engine started (issue 15): the LiveSynchronization naming its
 * resource reports it unknown, then, once the CRD exists in both clusters, replicates it
 * without a restart and stops reporting it.
 */
import { ApiextensionsV1Api, CustomObjectsApi } from "@kubernetes/client-node";
import { afterAll, afterEach, describe, expect, inject, it } from "vitest";
import { crdManifest, establishCrd, eventually, kubeConfigFor } from "@livesync/testkit";
import { EngineTestbed, uniq } from "../src/testing.js";

const env = inject("testenv");
const src = kubeConfigFor(env, "source");
const dst = kubeConfigFor(env, "destination");

// A group of its own per run: CRDs are cluster-wide and test runs share the clusters.
const group = `${uniq("late")}.example.com`;
const crdName = `widgets.${group}`;
const widgets = { group, version: "v1", plural: "widgets" };

const crd = crdManifest(group, "Widget", "widgets", {
  type: "object",
  x_kubernetes_preserve_unknown_fields: true,
});

/** Waits until the destination's copy of the Widget has this many teeth. */
async function copyWith(teeth: number, timeoutMs: number): Promise<void> {
  const dstWidgets = dst.makeApiClient(CustomObjectsApi);
  await eventually(
    async () => {
      const copy = (await dstWidgets.getNamespacedCustomObject({
        ...widgets,
        namespace,
        name: "sprocket",
      })) as { spec?: { teeth?: number } };
      return copy.spec?.teeth === teeth ? true : undefined;
    },
    { what: `the Widget with ${teeth} teeth in the destination`, timeoutMs },
  );
}

const bed = new EngineTestbed(env, "late-crd");
const namespace = uniq("late-crd");

afterEach(() => bed.stopEngine());
afterAll(async () => {
  for (const kc of [src, dst]) {
    await kc
      .makeApiClient(ApiextensionsV1Api)
      .deleteCustomResourceDefinition({ name: crdName })
      .catch(() => undefined);
  }
  await bed.removeNamespaces();
});

describe("a CRD created in the source after start", () => {
  it("is discovered again: its objects replicate and the unknown resource is no longer reported", async () => {
    const name = uniq("late");
    const e = await bed.start([
      { name, resources: [{ group, version: "v1", resource: "widgets" }] },
    ]);
    const status = async () => (await e.status()).find((s) => s.liveSync.endsWith(`/${name}`))!;
    const unknown = `spec.config.replication.resources[0]: unknown resource ${group}/v1/widgets`;
    await eventually(
      async () => ((await status()).problems.some((p) => p.startsWith(unknown)) ? true : undefined),
      { what: "the unknown resource in the status" },
    );
    expect((await status()).state).toBe("running");

    // The destination needs the CRD too, to accept the copies.
    await establishCrd(dst, crd);
    await establishCrd(src, crd);
    await bed.namespace({}, namespace);
    const srcWidgets = src.makeApiClient(CustomObjectsApi);
    const body = (teeth: number) => ({
      apiVersion: `${group}/v1`,
      kind: "Widget",
      metadata: { name: "sprocket" },
      spec: { teeth },
    });
    await srcWidgets.createNamespacedCustomObject({ ...widgets, namespace, body: body(12) });
    await copyWith(12, 45_000);
    // The first reconcile pass (10 s after start) may bring that copy too; a later change only
    // arrives if the resource is watched now.
    const current = (await srcWidgets.getNamespacedCustomObject({
      ...widgets,
      namespace,
      name: "sprocket",
    })) as { metadata: { resourceVersion: string } };
    await srcWidgets.replaceNamespacedCustomObject({
      ...widgets,
      namespace,
      name: "sprocket",
      body: { ...body(13), metadata: current.metadata },
    });
    await copyWith(13, 15_000);

    const after = await status();
    expect(after.state).toBe("running");
    expect(after.problems.filter((p) => p.includes("widgets"))).toEqual([]);

    // The reconciler resolves the resource on each pass: it now covers the Widget too.
    const report = await e.reconcileNow(after.liveSync);
    expect(report?.resources).toEqual([
      expect.objectContaining({ resource: `${group}/v1/widgets`, selected: 1, copies: 1 }),
    ]);
    expect(report?.resources[0]?.refused).toBeUndefined();
  }, 90_000);
});
