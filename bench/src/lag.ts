/**
 * lag: at each rate R (updates/s, --rates, default 100,300,1000) for D seconds over N objects,
 * the time from a source write to the destination's watch seeing the copy. livesync runs as the
 * chart deploys it (events-listener and synchronizer in processes of their own). Baseline in the
 * same run and at the same rate: the same load written straight to the destination and seen by
 * the same kind of watch (the apiserver's own write->watch latency). Goal: p99 <= 100 ms at 300/s.
 */
import { JetStreamBus, type Subscription } from "@livesync/bus";
import { decodeEvent, MANAGED_LABEL } from "@livesync/core";
import { SupervisedWatch, type Cluster, type KubeObject } from "@livesync/kube";
import {
  arg,
  argList,
  configMap,
  createNamespace,
  deleteNamespace,
  percentile,
  benchContext,
  benchConfigMaps,
  CONFIGMAPS,
  createConfigMaps,
} from "./common.js";
import { CpuMeter } from "./cpu.js";
import { livesyncCommands } from "./production-app.js";
import { SplitDeployment } from "./split-deployment.js";

const rates = argList("rates", [100, 300, 1_000]);
const seconds = arg("seconds", 20);
const objects = arg("objects", 500);
const { env, source, destination, run } = await benchContext();

/**
 * When each update reaches the bus: a consumer of its own on the deployment's stream, so the
 * lag splits into source write -> published (apiserver watch + events-listener) and the rest
 * (synchronizer + destination apiserver).
 */
class BusProbe {
  readonly arrivedAt = new Map<number, number>();
  private subscription?: Subscription;
  private constructor(private readonly bus: JetStreamBus) {}

  static async start(stream: string, durable: string): Promise<BusProbe> {
    const bus = await JetStreamBus.connect({
      url: env.nats.url,
      stream,
      subjects: [`livesync.${stream.toLowerCase()}.>`],
    });
    const probe = new BusProbe(bus);
    probe.subscription = await bus.consume(durable, async (d) => probe.record(d.data), {
      concurrency: 256,
    });
    return probe;
  }

  private record(data: Uint8Array): void {
    const object = decodeEvent(data).object as { data?: { seq?: string } } | undefined;
    const seq = object?.data?.seq;
    if (seq !== undefined && !this.arrivedAt.has(Number(seq)))
      this.arrivedAt.set(Number(seq), performance.now());
  }

  async stop(): Promise<void> {
    await this.subscription?.stop();
    await this.bus.close();
  }
}

/** Writes `rate`/s to `writeTo` and measures when `watchOn` sees each write. */
async function measure(
  rate: number,
  writeTo: Cluster,
  watchOn: Cluster,
  namespace: string,
  labelSelector?: string,
  probe?: BusProbe,
  processes: { component: string; pid: number }[] = [],
) {
  const sentAt = new Map<number, number>();
  const sent: number[] = [];
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
  const cpu = await CpuMeter.start(processes);
  const start = performance.now();
  const inflight: Promise<unknown>[] = [];
  let lateMs = 0;
  for (let i = 0; i < total; i++) {
    const due = start + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    else lateMs = Math.max(lateMs, -wait);
    sentAt.set(i, performance.now());
    sent[i] = sentAt.get(i)!;
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
  const sendSeconds = (performance.now() - start) / 1000;
  await Promise.all(inflight);
  const deadline = Date.now() + 30_000;
  while (sentAt.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  const cpuSpan = cpu.stop();
  await watch.stop();
  // A write overtaken by the next write to the same object before the watch saw it is never
  // reported on its own: those count as "coalesced", not as lost.
  lags.sort((a, b) => a - b);
  const stats = (p: number, of = lags) => Math.round(percentile(of, p) * 10) / 10;
  const toBus = probe
    ? sent
        .map((t, seq) => (probe.arrivedAt.get(seq) ?? NaN) - t)
        .filter((ms) => !Number.isNaN(ms))
        .sort((a, b) => a - b)
    : [];
  return {
    ...(probe && {
      toBusMs: {
        what: "source write -> event on the bus",
        p50: stats(50, toBus),
        p99: stats(99, toBus),
      },
    }),
    updates: total,
    observed: lags.length,
    /** The writer's real rate: below `rate` when this machine could not keep up. */
    achievedRate: Math.round(total / sendSeconds),
    p50: stats(50),
    p95: stats(95),
    p99: stats(99),
    max: stats(100),
    // Near `cores` busy, the machine itself was the limit at this rate.
    cpu: cpuSpan,
  };
}

async function seed(cluster: Cluster, ns: string, labels: Record<string, string> = {}) {
  await createNamespace(cluster.rest, ns, labels);
  await createConfigMaps(
    cluster,
    Array.from({ length: objects }, (_, i) => configMap(ns, `cm-${i}`, 256)),
  );
}

const rawNs = `bench-lag-raw-${run}`;
await seed(destination, rawNs);
const ns = `bench-lag-${run}`;
await seed(source, ns, { bench: run });
const livesync = await SplitDeployment.start(
  env,
  run,
  ["events-listener", "synchronizer"],
  livesyncCommands().cli,
);
const liveSync = `lag-${run}`;
await livesync.liveSync(liveSync, [benchConfigMaps(run)]);
// The initial copy first: lag is measured on a replica that is up to date.
await livesync.until("synchronizer", "livesync_synced_objects", liveSync, objects);
const probe = await BusProbe.start(livesync.stream, `lag-probe-${run}`);

const results = [];
for (const rate of rates) {
  // Baseline: straight to the destination, then the same rate through livesync.
  const baseline = await measure(rate, destination, destination, rawNs);
  const synced = await measure(
    rate,
    source,
    destination,
    ns,
    `${MANAGED_LABEL}=true`,
    probe,
    livesync.pids,
  );
  results.push({
    rate,
    p50Ms: synced.p50,
    p99Ms: synced.p99,
    baselineP50Ms: baseline.p50,
    baselineP99Ms: baseline.p99,
    livesyncMs: synced,
    baselineMs: baseline,
  });
}
await probe.stop();
const rssMB = await livesync.stop();
await deleteNamespace(destination.rest, rawNs);
await deleteNamespace(source.rest, ns);
await deleteNamespace(destination.rest, ns);
source.close();
destination.close();

console.log(
  JSON.stringify(
    {
      benchmark: "lag",
      seconds,
      objects,
      what: {
        livesync: "write to source -> destination watch sees the copy",
        baseline: "write to destination -> destination watch (same rate, same run)",
      },
      rates: results,
      rssMB,
      goal: "p99Ms <= 100 at 300/s",
    },
    null,
    2,
  ),
);
process.exit(0);
