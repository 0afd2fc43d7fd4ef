/**
 * recovery: N Deployments replicated with replicas 0; a TaskRun's recovery (fromPatch
 * replicas 1) over all of them, against a direct client making the same guarded JSON patch to
 * as many Deployments created directly in the destination (same run, same concurrency).
 * Target: ratio direct/recovery >= 0.8.
 */
import { Engine } from "@livesync/cli";
import { deployment, liveSyncFor, manifestsFor } from "@livesync/cli/testing";
import { taskFor, runRecovery } from "@livesync/recovery";
import { arg, benchContext, createNamespace, deleteNamespace, pool } from "./common.js";

const objects = arg("objects", 1_000);
const namespaces = arg("namespaces", 10);
const concurrency = arg("concurrency", 16);
const { env, source, destination, run } = await benchContext();

const create = (cluster: typeof source, nss: string[], replicas: number) =>
  pool(
    Array.from({ length: objects }, (_, i) => ({ ns: nss[i % namespaces]!, name: `app-${i}` })),
    32,
    async ({ ns, name }) => {
      await cluster.rest.request("POST", `/apis/apps/v1/namespaces/${ns}/deployments`, {
        body: { apiVersion: "apps/v1", kind: "Deployment", ...deployment(name, {}, replicas) },
      });
    },
  );
const names = (prefix: string) =>
  Array.from({ length: namespaces }, (_, i) => `${prefix}-${run}-${i}`);

// Replicate N Deployments with the seed's transformation (replicas 0).
const syncNs = names("bench-recovery");
for (const ns of syncNs) await createNamespace(source.rest, ns, { bench: run });
await create(source, syncNs, 3);
const ls = liveSyncFor({
  name: `recovery-${run}`,
  resources: [
    {
      group: "apps",
      version: "v1",
      resource: "deployments",
      transformation: { patch: [{ op: "replace", path: "/spec/replicas", value: 0 }] },
      filters: { namespaceSelector: { matchLabels: { bench: run } } },
      recoveryProcess: { fromPatch: [{ op: "replace", path: "/spec/replicas", value: 1 }] },
    },
  ],
});
const engine = await Engine.start(manifestsFor(env, [ls]), {
  natsUrl: env.nats.url,
  stream: `RECOVERY_${run.toUpperCase()}`,
  firstReconcileDelayMs: 24 * 3_600_000,
});
for (;;) {
  const s = (await engine.status())[0];
  if (s && s.synced >= objects) break;
  await new Promise((r) => setTimeout(r, 500));
}
await engine.stop(); // the seed recommends suspending before recovery

// Baseline: the same guarded patch, straight from a client, on Deployments made in place.
const rawNs = names("bench-recovery-raw");
for (const ns of rawNs) await createNamespace(destination.rest, ns);
await create(destination, rawNs, 0);
const raw = await Promise.all(
  rawNs.map((ns) =>
    destination.rest.request<{
      items: { metadata: { name: string; namespace: string; resourceVersion: string } }[];
    }>("GET", `/apis/apps/v1/namespaces/${ns}/deployments`),
  ),
);
let t = performance.now();
await pool(
  raw.flatMap((l) => l.items),
  concurrency,
  async (d) => {
    await destination.rest.request(
      "PATCH",
      `/apis/apps/v1/namespaces/${d.metadata.namespace}/deployments/${d.metadata.name}`,
      {
        body: [
          { op: "test", path: "/metadata/resourceVersion", value: d.metadata.resourceVersion },
          { op: "replace", path: "/spec/replicas", value: 1 },
        ],
        contentType: "application/json-patch+json",
      },
    );
  },
);
const directSeconds = (performance.now() - t) / 1000;

t = performance.now();
const status = await runRecovery({
  task: taskFor(ls),
  liveSync: `${ls.metadata.namespace}/${ls.metadata.name}`,
  destination,
  concurrency,
});
const recoverySeconds = (performance.now() - t) / 1000;

for (const ns of syncNs) await deleteNamespace(source.rest, ns);
for (const ns of [...syncNs, ...rawNs]) await deleteNamespace(destination.rest, ns);
source.close();
destination.close();
console.log(
  JSON.stringify(
    {
      benchmark: "recovery",
      objects,
      concurrency,
      baseline: {
        what: "direct client: GET list + guarded JSON patch of replicas, same count",
        seconds: directSeconds,
        objectsPerSecond: objects / directSeconds,
      },
      recovery: {
        seconds: recoverySeconds,
        objectsPerSecond: objects / recoverySeconds,
        phase: status.phase,
        counts: status.resources,
        failures: status.failures.slice(0, 5),
      },
      ratio: directSeconds / recoverySeconds,
      target: ">= 0.8",
    },
    null,
    2,
  ),
);
process.exit(0);
