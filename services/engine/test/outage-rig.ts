/**
 * One LiveSynchronization replicating a churning population of ConfigMaps, on its own stream
 * and namespace, for the outage tests: each outage gets a rig of its own (and private
 * components to break), so the outages run at the same time without seeing each other.
 */
import { Registry, type Gauge } from "@livesync/telemetry";
import { KubeRest } from "@livesync/kube";
import { eventually, kubeConfigFor, type TestEnvironment } from "@livesync/testkit";
import { Engine, registerEngineMetrics, type LiveSyncStatus } from "../src/index.js";
import { LS_NAMESPACE, manifestsFor, uniq } from "../src/testing.js";
import {
  agrees,
  churnedConfigMaps,
  compareDestination,
  ConfigMapChurn,
  type Comparison,
} from "../src/testing/configmaps.js";

export interface Rig {
  engine: Engine;
  liveSync: string;
  namespace: string;
  source: KubeRest;
  destination: KubeRest;
  churn: ConfigMapChurn;
  metrics: Registry;
  close(): Promise<void>;
}

/** Seeds `objects` ConfigMaps in a fresh source namespace and starts the engine on them. */
export async function startRig(
  env: TestEnvironment,
  name: string,
  opts: { objects: number; bucket?: boolean },
): Promise<Rig> {
  const source = await KubeRest.fromKubeConfig(kubeConfigFor(env, "source"));
  const destination = await KubeRest.fromKubeConfig(kubeConfigFor(env, "destination"));
  const namespace = uniq(name);
  const label = { "livesync.test/outage": namespace };
  await source.request("POST", "/api/v1/namespaces", {
    body: { metadata: { name: namespace, labels: label } },
  });
  const churn = new ConfigMapChurn(source, [namespace], opts.objects);
  await churn.seed();
  const lsName = uniq(name);
  const engine = await Engine.start(
    manifestsFor(env, [
      { name: lsName, bucket: opts.bucket, resources: [churnedConfigMaps(label)] },
    ]),
    { natsUrl: env.nats.url, stream: uniq(name).toUpperCase().replace(/-/g, "_") },
  );
  const metrics = new Registry();
  registerEngineMetrics(metrics, engine);
  return {
    engine,
    liveSync: `${LS_NAMESPACE}/${lsName}`,
    namespace,
    source,
    destination,
    churn,
    metrics,
    close: async () => {
      await engine.stop();
      for (const rest of [source, destination]) {
        await rest.request("DELETE", `/api/v1/namespaces/${namespace}`).catch(() => undefined);
        rest.close();
      }
    },
  };
}

/** Random changes at `perSecond` until `ms` have passed. */
export async function churnFor(churn: ConfigMapChurn, ms: number, perSecond = 2): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const next = Date.now() + 1000 / perSecond;
    await churn.step();
    await sleep(next - Date.now());
  }
}

/** What the checks need of a rig. */
type Replication = Pick<Rig, "engine" | "liveSync" | "namespace" | "source" | "destination">;

export async function status(rig: Pick<Rig, "engine" | "liveSync">): Promise<LiveSyncStatus> {
  const s = (await rig.engine.status()).find((x) => x.liveSync === rig.liveSync);
  if (!s) throw new Error(`no status for ${rig.liveSync}`);
  return s;
}

/** The value of a per-LiveSynchronization gauge of the rig's /metrics. */
export async function gauge(rig: Rig, name: string): Promise<number | undefined> {
  const metric = rig.metrics.getSingleMetric(name) as Gauge | undefined;
  const values = (await metric?.get())?.values ?? [];
  return values.find((v) => v.labels.live_sync === rig.liveSync)?.value;
}

/** Waits until the destination equals the transformed source; returns the time it took. */
export async function converged(rig: Replication, timeoutMs: number): Promise<number> {
  const started = Date.now();
  let last: Comparison | undefined;
  let state = "";
  await eventually(
    async () => {
      last = await compareDestination(rig.source, rig.destination, [rig.namespace], rig.liveSync);
      if (agrees(last)) return true;
      state = JSON.stringify(await status(rig));
      return undefined;
    },
    {
      timeoutMs,
      intervalMs: 500,
      what: () =>
        `the destination to converge: ${JSON.stringify(last).slice(0, 2_000)}; status ${state}`,
    },
  );
  return Date.now() - started;
}

/** Samples `sample` every second while `during` runs; returns everything it saw. */
export async function observe<T>(sample: () => Promise<T>, during: Promise<unknown>): Promise<T[]> {
  const seen: T[] = [];
  let done = false;
  const loop = (async () => {
    while (!done) {
      seen.push(await sample());
      await sleep(1_000);
    }
  })();
  try {
    await during;
  } finally {
    done = true;
    await loop;
  }
  return seen;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, ms)));
