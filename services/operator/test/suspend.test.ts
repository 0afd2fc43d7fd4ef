/**
 * `kubectl patch livesynchronization X -p '{"spec":{"suspend":true}}' --type=merge` stops that
 * LiveSynchronization while the others go on untouched (no restart: same Lease holder since
 * the same acquisition); `false` resumes and catches up with what changed meanwhile:
 * creations, updates and deletions.
 */
import { AppsV1Api, CoreV1Api } from "@kubernetes/client-node";
import { eventually, freshNamespace, kubeConfigFor } from "@livesync/testkit";
import { deployment } from "@livesync/engine/testing";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { cond, deploymentsIn, Fixture } from "./fixture.js";

const env = inject("testenv");
const src = kubeConfigFor(env, "source");
const dst = kubeConfigFor(env, "destination");
const srcApps = src.makeApiClient(AppsV1Api);
const dstApps = dst.makeApiClient(AppsV1Api);
const srcCore = src.makeApiClient(CoreV1Api);
const dstCore = dst.makeApiClient(CoreV1Api);
let f: Fixture;

beforeAll(async () => {
  f = await Fixture.create(env, dst, "suspend");
});
afterAll(() => f?.close());

interface Lease {
  spec: { holderIdentity?: string; acquireTime?: string; leaseTransitions?: number };
}

describe("spec.suspend", () => {
  it("stops one LiveSynchronization within seconds, leaves the others running, and catches up on resume", async () => {
    const a = await freshNamespace(src, "suspend-a", { "suspend-dr": `${f.ns}-a` });
    const b = await freshNamespace(src, "suspend-b", { "suspend-dr": `${f.ns}-b` });
    f.onCleanup(a.remove);
    f.onCleanup(b.remove);
    for (const ns of [a.name, b.name])
      f.onCleanup(() => dstCore.deleteNamespace({ name: ns }).catch(() => undefined));
    for (const name of ["kept", "updated", "deleted"])
      await srcApps.createNamespacedDeployment({ namespace: a.name, body: deployment(name) });

    await f.liveSync("a", [deploymentsIn("suspend-dr", `${f.ns}-a`)]);
    await f.liveSync(
      "b",
      [
        {
          version: "v1",
          resource: "configmaps",
          filters: { namespaceSelector: { matchLabels: { "suspend-dr": `${f.ns}-b` } } },
        },
      ],
      await f.clusterPair("b-"),
    );
    const op = await f.operator();
    const copyOf = (ns: string, name: string) =>
      dstApps.readNamespacedDeployment({ namespace: ns, name }).catch(() => undefined);
    for (const name of ["kept", "updated", "deleted"])
      await eventually(() => copyOf(a.name, name), { timeoutMs: 60_000, what: `copy of ${name}` });
    const leaseB = () =>
      f.management.rest.request<Lease>(
        "GET",
        `/apis/coordination.k8s.io/v1/namespaces/${f.ns}/leases/livesync-listener-b`,
      );
    const before = await eventually(
      async () => {
        const lease = await leaseB();
        return lease.spec.holderIdentity ? lease : undefined;
      },
      { what: "b's Lease" },
    );

    // Suspend a, as kubectl patch --type=merge does.
    const patchedAt = Date.now();
    await f.mergePatch(f.path("livesynchronizations", "a"), { spec: { suspend: true } });
    await eventually(
      async () =>
        (await op.currentEngine!.status()).find((s) => s.liveSync === `${f.ns}/a`)?.state ===
          "suspended" || undefined,
      { what: "a's replication to stop" },
    );
    console.log(`suspend took effect ${Date.now() - patchedAt} ms after the patch`);
    const suspended = await f.condition(
      f.path("livesynchronizations", "a"),
      "Suspended",
      (c) => c.status === "True",
    );
    expect(cond(suspended, "Ready")?.reason).toBe("Suspended");

    // Changes while suspended stay in the source.
    await srcApps.createNamespacedDeployment({ namespace: a.name, body: deployment("added") });
    await srcApps.patchNamespacedDeployment({
      namespace: a.name,
      name: "updated",
      body: [{ op: "add", path: "/metadata/labels", value: { changed: "yes" } }],
    });
    await srcApps.deleteNamespacedDeployment({ namespace: a.name, name: "deleted" });

    // b goes on: a new ConfigMap is copied, by the same Lease holder as before the patch.
    await srcCore.createNamespacedConfigMap({
      namespace: b.name,
      body: { metadata: { name: "during-suspend" }, data: { k: "v" } },
    });
    await eventually(
      () =>
        dstCore
          .readNamespacedConfigMap({ namespace: b.name, name: "during-suspend" })
          .catch(() => undefined),
      { timeoutMs: 30_000, what: "b to keep replicating" },
    );
    const after = await leaseB();
    expect(after.spec.holderIdentity).toBe(before.spec.holderIdentity);
    expect(after.spec.acquireTime).toBe(before.spec.acquireTime);

    // Nothing of a's changes arrived (b's copy above shows the pipeline is live).
    await new Promise((r) => setTimeout(r, 2_000));
    expect(await copyOf(a.name, "added")).toBeUndefined();
    expect((await copyOf(a.name, "updated"))?.metadata?.labels?.changed).toBeUndefined();
    expect(await copyOf(a.name, "deleted")).toBeDefined();

    // Resume: everything catches up.
    await f.mergePatch(f.path("livesynchronizations", "a"), { spec: { suspend: false } });
    await eventually(() => copyOf(a.name, "added"), { timeoutMs: 60_000, what: "added" });
    await eventually(
      async () => ((await copyOf(a.name, "updated"))?.metadata?.labels?.changed ? true : undefined),
      { timeoutMs: 60_000, what: "the update made while suspended" },
    );
    await eventually(async () => ((await copyOf(a.name, "deleted")) ? undefined : true), {
      timeoutMs: 60_000,
      what: "the deletion made while suspended (reconciler prune)",
    });
    expect(await copyOf(a.name, "kept")).toBeDefined();
    await f.condition(f.path("livesynchronizations", "a"), "Ready", (c) => c.status === "True");
    expect(f.errors).toEqual([]);
  }, 180_000);
});
