/**
 * initial-sync: N ConfigMaps exist in the source before livesync starts; how long until all are
 * correct in the destination, against how long a tuned direct client needs to create the same
 * objects in the destination (same run, same machine). Target: raw/sync >= 0.8.
 */
import { MANAGED_LABEL } from "@livesync/core";
import { Engine } from "@livesync/engine";
import { applyObject, SupervisedWatch, type KubeObject } from "@livesync/kube";
import {
  arg,
  configMap,
  createNamespace,
  deleteNamespace,
  pool,
  RssSampler,
  benchContext,
  benchConfigMaps,
  CONFIGMAPS,
  createConfigMaps,
} from "./common.js";
import { manifestsFor } from "@livesync/engine/testing";

const objects = arg("objects", 5_000);
const namespaces = arg("namespaces", 10);
const bytes = arg("bytes", 1_024);
const concurrency = arg("concurrency", 32);
const { env, source, destination, run } = await benchContext();
const names = (prefix: string) =>
  Array.from({ length: namespaces }, (_, i) => `${prefix}-${run}-${i}`);
const items = (nss: string[]) =>
  Array.from({ length: objects }, (_, i) => configMap(nss[i % namespaces]!, `cm-${i}`, bytes));

// Baselines: a direct client creating the same objects in the destination, with plain creates
// (POST) and with server-side apply (what livesync must use), each into fresh namespaces.
async function direct(prefix: string, write: (o: KubeObject) => Promise<unknown>): Promise<number> {
  const nss = names(prefix);
  for (const ns of nss) await createNamespace(destination.rest, ns);
  const start = performance.now();
  await pool(items(nss), concurrency, (o) => write(o).then(() => undefined));
  const seconds = (performance.now() - start) / 1000;
  await Promise.all(nss.map((ns) => deleteNamespace(destination.rest, ns, { wait: true })));
  return seconds;
}
const rawSeconds = await direct("bench-raw", (o) =>
  destination.rest.request("POST", `/api/v1/namespaces/${o.metadata.namespace}/configmaps`, {
    body: o,
  }),
);
const ssaSeconds = await direct("bench-ssa", (o) =>
  applyObject(destination.rest, CONFIGMAPS, o, { fieldManager: "bench" }),
);

// The source state livesync starts from.
const syncNs = names("bench-sync");
for (const ns of syncNs) await createNamespace(source.rest, ns, { bench: run });
let t = performance.now();
await createConfigMaps(source, items(syncNs), concurrency);
const sourceSeconds = (performance.now() - t) / 1000;

// Count copies as the destination's watch reports them.
const arrived = new Set<string>();
const wanted = new Set(syncNs);
let done!: () => void;
const allArrived = new Promise<void>((r) => (done = r));
const count = async (o: { metadata: { namespace?: string; name: string } }) => {
  if (!wanted.has(o.metadata.namespace ?? "")) return;
  arrived.add(`${o.metadata.namespace}/${o.metadata.name}`);
  if (arrived.size === objects) done();
};
const watch = new SupervisedWatch(
  destination.rest,
  CONFIGMAPS,
  {
    onList: async (list) => list.forEach(count),
    onEvent: async (type, o) => (type === "ADDED" ? count(o) : undefined),
  },
  { labelSelector: `${MANAGED_LABEL}=true` },
);
watch.start();

const rss = new RssSampler();
const cpuBefore = process.cpuUsage();
t = performance.now();
const engine = await Engine.start(
  manifestsFor(env, [
    {
      name: `bench-${run}`,
      resources: [benchConfigMaps(run)],
    },
  ]),
  {
    natsUrl: env.nats.url,
    stream: `BENCH_${run.toUpperCase()}`,
    syncConcurrency: arg("sync-concurrency", 32),
  },
);
await allArrived;
const syncSeconds = (performance.now() - t) / 1000;
const cpu = process.cpuUsage(cpuBefore);
const cpuSeconds = (cpu.user + cpu.system) / 1e6;
const peakRssMB = rss.stop();
const status = await engine.status();
await engine.stop();
await watch.stop();
for (const ns of syncNs) {
  await deleteNamespace(source.rest, ns);
  await deleteNamespace(destination.rest, ns);
}
source.close();
destination.close();

const result = {
  benchmark: "initial-sync",
  objects,
  namespaces,
  objectBytes: bytes,
  baseline: {
    what: `direct client, ${concurrency} concurrent creates in the destination`,
    seconds: rawSeconds,
    objectsPerSecond: objects / rawSeconds,
  },
  sourceSetup: { seconds: sourceSeconds, objectsPerSecond: objects / sourceSeconds },
  livesync: {
    seconds: syncSeconds,
    cpuSeconds,
    objectsPerSecond: objects / syncSeconds,
    failed: status[0]?.failed ?? 0,
  },
  baselineServerSideApply: {
    what: `direct client, ${concurrency} concurrent server-side applies in the destination`,
    seconds: ssaSeconds,
    objectsPerSecond: objects / ssaSeconds,
  },
  ratio: rawSeconds / syncSeconds,
  ratioToServerSideApply: ssaSeconds / syncSeconds,
  target: ">= 0.8",
  peakRssMB: { "livesync run (listener + synchronizer + bus client in one process)": peakRssMB },
};
console.log(JSON.stringify(result, null, 2));
process.exit(0);
