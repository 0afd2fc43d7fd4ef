/**
 * One initial-sync measurement at one size: livesync copying the objects, between two rounds of
 * the direct baselines, with where livesync's time went (see breakdownOf).
 */
import { monitorEventLoopDelay } from "node:perf_hooks";
import { MANAGED_LABEL } from "@livesync/core";
import { Engine } from "@livesync/engine";
import { LS_NAMESPACE, manifestsFor } from "@livesync/engine/testing";
import type { Cluster } from "@livesync/kube";
import type { TestEnvironment } from "@livesync/testkit";
import {
  benchConfigMaps,
  configMap,
  createConfigMaps,
  createNamespace,
  deleteNamespace,
  RssSampler,
} from "./common.js";
import { CpuMeter } from "./cpu.js";
import { directBaselines } from "./initial-sync-direct.js";
import { breakdownOf } from "./initial-sync-breakdown.js";

export interface RunOptions {
  objects: number;
  namespaces: number;
  bytes: number;
  /** Requests in flight of the direct client. */
  concurrency: number;
  /** Events the synchronizer applies at once. */
  syncConcurrency: number;
}

export interface Context {
  env: TestEnvironment;
  source: Cluster;
  destination: Cluster;
  /** Unique per run: namespaces, stream and LiveSynchronization names carry it. */
  run: string;
}

export async function measureInitialSync(ctx: Context, o: RunOptions) {
  const { source, destination, run } = ctx;
  const names = (prefix: string) =>
    Array.from({ length: o.namespaces }, (_, i) => `${prefix}-${run}-${i}`);
  const items = (nss: string[]) =>
    Array.from({ length: o.objects }, (_, i) =>
      configMap(nss[i % o.namespaces]!, `cm-${i}`, o.bytes),
    );

  // The direct baselines run before and after livesync; their mean cancels a load that drifts
  // over the run (other work on a shared machine).
  const plan = { destination, concurrency: o.concurrency, items, names };
  const before = await directBaselines(plan, "a");

  // The source state livesync starts from.
  const syncNs = names("bench-sync");
  for (const ns of syncNs) await createNamespace(source.rest, ns, { bench: run });
  let t = performance.now();
  await createConfigMaps(source, items(syncNs), o.concurrency);
  const sourceSeconds = (performance.now() - t) / 1000;

  const liveSync = `bench-${run}`;
  const rss = new RssSampler();
  const loopDelay = monitorEventLoopDelay({ resolution: 10 });
  loopDelay.enable();
  const cpuBefore = process.cpuUsage();
  const machineCpu = await CpuMeter.start();
  const startedAt = Date.now();
  t = performance.now();
  const engine = await Engine.start(
    manifestsFor(ctx.env, [{ name: liveSync, resources: [benchConfigMaps(run)] }]),
    {
      natsUrl: ctx.env.nats.url,
      stream: `BENCH_${run.toUpperCase()}`,
      syncConcurrency: o.syncConcurrency,
    },
  );
  const engineStartedAt = Date.now();
  // Done when the synchronizer's last write has returned: the direct client's criterion too.
  // Counted in the process rather than by a destination watch of the bench's own, whose CPU
  // (apiserver and this process) the baseline would not pay on a machine of two cores.
  const key = `${LS_NAMESPACE}/${liveSync}`;
  while ((engine.synchronizer?.objectCounts(key).synced ?? 0) < o.objects) {
    await new Promise((r) => setTimeout(r, 5));
  }
  const syncSeconds = (performance.now() - t) / 1000;
  const allWrittenAt = Date.now();
  const cpu = process.cpuUsage(cpuBefore);
  const livesyncCpu = machineCpu.stop();
  const peakRssMB = rss.stop();
  loopDelay.disable();
  const status = await engine.status();
  const listener = engine.listenerStats(key);
  // Acks are sent without waiting for an answer: how long until the bus has them all.
  for (let i = 0; i < 1_200 && (await engine.status())[0]!.pending > 0; i++) {
    await new Promise((r) => setTimeout(r, 50));
  }
  const acksDrainedAt = Date.now();
  const stages = engine.synchronizer?.stagesFor(key);
  await engine.stop();
  // Outside the timed span: every copy is really there.
  const copies = await countCopies(destination, syncNs);
  if (copies !== o.objects)
    throw new Error(`${copies} copies in the destination, not ${o.objects}`);
  // Waited for, so the namespace controller's clean-up stays out of the next measurement.
  await Promise.all(
    syncNs.flatMap((ns) => [
      deleteNamespace(source.rest, ns, { wait: true }),
      deleteNamespace(destination.rest, ns, { wait: true }),
    ]),
  );
  const after = await directBaselines(plan, "b");
  const rawSeconds = (before.post.seconds + after.post.seconds) / 2;
  const ssaSeconds = (before.ssa.seconds + after.ssa.seconds) / 2;
  const fasterCpu =
    rawSeconds <= ssaSeconds ? [before.post.cpu, after.post.cpu] : [before.ssa.cpu, after.ssa.cpu];
  const baselineCpuTotal = (fasterCpu[0]!.total + fasterCpu[1]!.total) / 2;
  const faster = Math.min(rawSeconds, ssaSeconds);
  const breakdown = breakdownOf({
    objects: o.objects,
    syncConcurrency: o.syncConcurrency,
    directPerSecond: o.objects / faster,
    startedAt,
    engineStartedAt,
    allWrittenAt,
    acksDrainedAt,
    list: listener?.initialList,
    stages,
    loopDelay,
  });
  return {
    objects: o.objects,
    ratio: faster / syncSeconds,
    fasterBaseline: rawSeconds <= ssaSeconds ? "POST" : "server-side apply",
    baseline: {
      what: `direct client, ${o.concurrency} concurrent creates in the destination`,
      seconds: rawSeconds,
      samples: [before.post.seconds, after.post.seconds],
      objectsPerSecond: o.objects / rawSeconds,
    },
    baselineServerSideApply: {
      what: `direct client, ${o.concurrency} concurrent server-side applies in the destination`,
      seconds: ssaSeconds,
      samples: [before.ssa.seconds, after.ssa.seconds],
      objectsPerSecond: o.objects / ssaSeconds,
    },
    ratioToPost: rawSeconds / syncSeconds,
    ratioToServerSideApply: ssaSeconds / syncSeconds,
    sourceSetup: { seconds: sourceSeconds, objectsPerSecond: o.objects / sourceSeconds },
    livesync: {
      seconds: syncSeconds,
      cpuSeconds: (cpu.user + cpu.system) / 1e6,
      objectsPerSecond: o.objects / syncSeconds,
      failed: status[0]?.failed ?? 0,
      problems: status[0]?.problems ?? [],
      listenerWatchErrors: listener?.watchErrors ?? 0,
    },
    breakdown,
    // The whole machine's CPU: with few cores, the work of every process bounds the ratio.
    cpu: {
      livesync: livesyncCpu,
      fasterBaseline: fasterCpu[0],
      // Were the machine's cores the only limit, the best ratio livesync could reach.
      cpuBoundRatio: baselineCpuTotal / livesyncCpu.total,
    },
    peakRssMB: { "livesync run (listener + synchronizer + bus client in one process)": peakRssMB },
  };
}

/** livesync's copies in these namespaces, by a paged list of the destination. */
async function countCopies(destination: Cluster, namespaces: string[]): Promise<number> {
  let n = 0;
  for (const ns of namespaces) {
    let token: string | undefined;
    do {
      const page = await destination.rest.request<{
        items: unknown[];
        metadata: { continue?: string };
      }>("GET", `/api/v1/namespaces/${ns}/configmaps`, {
        query: { labelSelector: `${MANAGED_LABEL}=true`, limit: 500, continue: token },
      });
      n += page.items.length;
      token = page.metadata.continue || undefined;
    } while (token);
  }
  return n;
}
