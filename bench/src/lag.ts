/**
 * lag: R updates/s for D seconds over N objects in the source; per update, the time from the
 * source write to the destination's watch seeing the copy. Baseline in the same run: the same
 * load written straight to the destination and seen by the same kind of watch (the apiserver's
 * own write->watch latency). Target: p99 <= 250 ms at 100/s.
 */
import { MANAGED_LABEL } from "@livesync/core";
import { Engine } from "@livesync/engine";
import { SupervisedWatch, type Cluster, type KubeObject } from "@livesync/kube";
import {
  arg,
  configMap,
  createNamespace,
  deleteNamespace,
  percentile,
  benchContext,
  benchConfigMaps,
  untilSynced,
  CONFIGMAPS,
  createConfigMaps,
} from "./common.js";
import { manifestsFor } from "@livesync/engine/testing";

const rate = arg("rate", 100);
const seconds = arg("seconds", 30);
const objects = arg("objects", 500);
const { env, source, destination, run } = await benchContext();

/** Writes `rate`/s to `writeTo` and measures when `watchOn` sees each write. */
async function measure(
  writeTo: Cluster,
  watchOn: Cluster,
  namespace: string,
  labelSelector?: string,
) {
  const sentAt = new Map<number, number>();
  const lags: number[] = [];
  const seen = (o: KubeObject) => {
    const seq = Number((o as { data?: { seq?: string } }).data?.seq ?? -1);
    const at = sentAt.get(seq);
    if (at !== undefined) {
      lags.push(performance.now() - at);
      sentAt.delete(seq);
    }
  };
  const watch = new SupervisedWatch(
    watchOn.rest,
    CONFIGMAPS,
    {
      onList: async () => undefined,
      onEvent: async (type, o) => (type === "MODIFIED" ? seen(o) : undefined),
    },
    { namespace, labelSelector },
  );
  watch.start();
  await new Promise((r) => setTimeout(r, 500)); // the watch is established
  const total = rate * seconds;
  const start = performance.now();
  const inflight: Promise<unknown>[] = [];
  for (let i = 0; i < total; i++) {
    const due = start + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    sentAt.set(i, performance.now());
    inflight.push(
      writeTo.rest.request(
        "PATCH",
        `/api/v1/namespaces/${namespace}/configmaps/cm-${i % objects}`,
        {
          body: { data: { seq: String(i) } },
          contentType: "application/merge-patch+json",
        },
      ),
    );
  }
  await Promise.all(inflight);
  const deadline = Date.now() + 30_000;
  while (sentAt.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  await watch.stop();
  // A write overtaken by the next write to the same object before the watch saw it is never
  // reported on its own: count those as "coalesced", not as lost.
  lags.sort((a, b) => a - b);
  const stats = (p: number) => Math.round(percentile(lags, p) * 10) / 10;
  return {
    updates: total,
    observed: lags.length,
    p50: stats(50),
    p95: stats(95),
    p99: stats(99),
    max: stats(100),
  };
}

async function seed(cluster: Cluster, ns: string, labels: Record<string, string> = {}) {
  await createNamespace(cluster.rest, ns, labels);
  await createConfigMaps(
    cluster,
    Array.from({ length: objects }, (_, i) => configMap(ns, `cm-${i}`, 256)),
  );
}

// Baseline: straight to the destination.
const rawNs = `bench-lag-raw-${run}`;
await seed(destination, rawNs);
const baseline = await measure(destination, destination, rawNs);
await deleteNamespace(destination.rest, rawNs, { wait: true });

// Through livesync.
const ns = `bench-lag-${run}`;
await seed(source, ns, { bench: run });
const engine = await Engine.start(
  manifestsFor(env, [
    {
      name: `lag-${run}`,
      resources: [benchConfigMaps(run)],
    },
  ]),
  { natsUrl: env.nats.url, stream: `LAG_${run.toUpperCase()}` },
);
// Wait for the initial copy before measuring.
await untilSynced(engine, objects, 200);
const synced = await measure(source, destination, ns, `${MANAGED_LABEL}=true`);
await engine.stop();
await deleteNamespace(source.rest, ns);
await deleteNamespace(destination.rest, ns);
source.close();
destination.close();

console.log(
  JSON.stringify(
    {
      benchmark: "lag",
      ratePerSecond: rate,
      seconds,
      objects,
      baselineMs: { what: "write to destination -> destination watch", ...baseline },
      livesyncMs: { what: "write to source -> destination watch sees the copy", ...synced },
      p99Ratio: synced.p99 / baseline.p99,
      target: "livesync p99 <= 250 ms at 100/s",
    },
    null,
    2,
  ),
);
process.exit(0);
