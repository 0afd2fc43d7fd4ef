import { readFileSync } from "node:fs";
import type { Engine } from "@livesync/engine";
import { Cluster, KubeRest, type KubeObject } from "@livesync/kube";
import { kubeConfigFor, up, type TestEnvironment } from "@livesync/testkit";

export async function clusterOf(env: TestEnvironment, name: string): Promise<Cluster> {
  return Cluster.fromKubeConfig(name, kubeConfigFor(env, name));
}

/** Runs `fn` over items with at most `concurrency` in flight. */
export async function pool<T>(
  items: T[],
  concurrency: number,
  fn: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) await fn(items[next++]!);
    }),
  );
}

export async function createNamespace(
  rest: KubeRest,
  name: string,
  labels: Record<string, string> = {},
) {
  await rest.request("POST", "/api/v1/namespaces", { body: { metadata: { name, labels } } });
}

export async function deleteNamespace(rest: KubeRest, name: string, opts: { wait?: boolean } = {}) {
  await rest.request("DELETE", `/api/v1/namespaces/${name}`).catch(() => undefined);
  // Waiting keeps the namespace controller's clean-up out of the next measurement.
  while (opts.wait) {
    const gone = await rest.request("GET", `/api/v1/namespaces/${name}`).then(
      () => false,
      () => true,
    );
    if (gone) return;
    await new Promise((r) => setTimeout(r, 250));
  }
}

export function configMap(namespace: string, name: string, bytes: number): KubeObject {
  return {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name, namespace },
    data: { payload: "x".repeat(bytes) },
  };
}

/** Peak resident set size of this process, sampled. */
export class RssSampler {
  peak = 0;
  private timer = setInterval(() => this.sample(), 100);
  sample() {
    this.peak = Math.max(this.peak, process.memoryUsage().rss);
  }
  stop(): number {
    clearInterval(this.timer);
    this.sample();
    return Math.round(this.peak / 1024 / 1024);
  }
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

export function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

/** `--name a,b,c` as numbers, or `fallback`. */
export function argList(name: string, fallback: number[]): number[] {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const list = (process.argv[i + 1] ?? "").split(",").map(Number);
  if (list.some((n) => !Number.isFinite(n) || n <= 0))
    throw new Error(`--${name}: expected positive numbers separated by commas`);
  return list;
}

export const readText = (f: string) => readFileSync(f, "utf8");

export { CONFIGMAPS } from "@livesync/kube";

/** What the ConfigMap benchmarks replicate: ConfigMaps in the namespaces labelled bench=<run>. */
export const benchConfigMaps = (run: string) => ({
  version: "v1",
  resource: "configmaps",
  filters: { namespaceSelector: { matchLabels: { bench: run } } },
});

/** Polls until the engine's (only) LiveSynchronization has synced `objects` objects. */
export async function untilSynced(engine: Engine, objects: number, intervalMs: number) {
  for (;;) {
    const s = (await engine.status())[0];
    if (s && s.synced >= objects) return;
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** The test environment, a client per cluster and a run id for unique names. */
export async function benchContext() {
  const { env } = await up();
  return {
    env,
    source: await clusterOf(env, "source"),
    destination: await clusterOf(env, "destination"),
    run: Date.now().toString(36),
  };
}

/** Creates ConfigMaps with `concurrency` requests in flight (setup, not measured by callers). */
export function createConfigMaps(
  cluster: Cluster,
  objs: KubeObject[],
  concurrency = 32,
): Promise<void> {
  return pool(objs, concurrency, (o) =>
    cluster.rest
      .request("POST", `/api/v1/namespaces/${o.metadata.namespace}/configmaps`, { body: o })
      .then(() => undefined),
  );
}
