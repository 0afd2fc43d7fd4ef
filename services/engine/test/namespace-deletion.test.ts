/**
 * A selected source namespace is deleted: its copies go, the destination namespace livesync
 * created goes with them unless someone else put objects in it, and the objects the cluster
 * makes in every namespace (kube-root-ca.crt) are no conflict.
 */
import { afterAll, afterEach, expect, inject, it } from "vitest";
import { eventually } from "@livesync/testkit";
import { EngineTestbed, uniq } from "../src/testing.js";

const env = inject("testenv");
const bed = new EngineTestbed(env, "nsdel");
const { srcCore, dstCore } = bed;

afterEach(() => bed.stopEngine());
afterAll(() => bed.removeNamespaces());

async function labelledNamespace(label: Record<string, string>): Promise<string> {
  const name = await bed.namespace(label);
  await srcCore.createNamespacedConfigMap({
    namespace: name,
    body: { metadata: { name: "settings" }, data: { v: "1" } },
  });
  return name;
}

const readNamespace = (name: string) =>
  dstCore.readNamespace({ name }).catch((err: { code?: number }) => {
    if (err.code === 404) return undefined;
    throw err;
  });
const copyOf = (namespace: string, name: string) =>
  dstCore.readNamespacedConfigMap({ namespace, name }).catch(() => undefined);

it("removes the destination namespace it created when the source namespace goes, and keeps one holding others' objects", async () => {
  const label = { [uniq("dr")]: "on" };
  const emptied = await labelledNamespace(label);
  const shared = await labelledNamespace(label);
  const engine = await bed.start(
    [
      {
        name: uniq("nsdel"),
        resources: [
          {
            version: "v1",
            resource: "configmaps",
            filters: { namespaceSelector: { matchLabels: label } },
          },
        ],
      },
    ],
    { firstReconcileDelayMs: 60 * 60_000 },
  );
  for (const ns of [emptied, shared]) {
    await eventually(() => copyOf(ns, "settings"), { what: `the copy in ${ns}` });
  }
  // Someone else's object in one of the namespaces livesync created.
  await dstCore.createNamespacedConfigMap({
    namespace: shared,
    body: { metadata: { name: "hand-made" }, data: { v: "mine" } },
  });

  await srcCore.deleteNamespace({ name: emptied });
  await srcCore.deleteNamespace({ name: shared });

  await eventually(
    async () => {
      const ns = await readNamespace(emptied);
      return ns === undefined || ns.metadata?.deletionTimestamp ? true : undefined;
    },
    { what: `the destination namespace ${emptied} to be deleted`, timeoutMs: 30_000 },
  );
  await eventually(async () => ((await copyOf(shared, "settings")) ? undefined : true), {
    what: `the copy in ${shared} to be pruned`,
  });
  // Past the janitor's first retries: the namespace with a hand-made object stays, untouched.
  await new Promise((r) => setTimeout(r, 4_000));
  const kept = await readNamespace(shared);
  expect(kept?.metadata?.deletionTimestamp).toBeUndefined();
  expect((await copyOf(shared, "hand-made"))?.data).toEqual({ v: "mine" });

  // kube-root-ca.crt (made by each cluster in every namespace) was deleted in the source too:
  // its DELETED event met the destination's own object and must not count as a conflict.
  const [status] = await engine.status();
  expect(status?.conflicts).toBe(0);
  expect(status?.problems.filter((p) => p.startsWith("conflict"))).toEqual([]);
}, 90_000);
