/**
 * Helpers for the tests with real pods: the chart's namespace as the fixture's, kubeconfigs and
 * endpoints as pods reach them (the machine's address, not loopback), ConfigMaps written in
 * bulk, the destination compared with the source, and pods of a component deleted.
 */
import { chmodSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { CoreV1Api, type KubeConfig, type V1ConfigMap } from "@kubernetes/client-node";
import { buildImage, buildNatsImage, importImage } from "@livesync/image";
import {
  CHART_NAMESPACE,
  eventually,
  kubeConfigFor,
  podReachable,
  waitForPodsReady,
  type TestEnvironment,
} from "@livesync/testkit";
import { Fixture } from "./fixture.js";

/** A fixture in the chart's namespace whose clusters and bucket are addressed as pods see them. */
export async function podFixture(env: TestEnvironment): Promise<Fixture> {
  if (!env.node) {
    throw new Error(
      "these tests run pods: the test environment needs a node (LIVESYNC_TESTENV_NODE=1, or `pnpm testenv up --node`)",
    );
  }
  return Fixture.inNamespace(env, kubeConfigFor(env, "management"), CHART_NAMESPACE);
}

/**
 * The livesync image of the code under test, built (`pnpm image`) and imported into the node;
 * returns its repository:tag for the chart.
 */
export async function freshImage(env: TestEnvironment, log: (line: string) => void) {
  let began = Date.now();
  const image = await buildImage();
  log(`image ${image.name} built in ${((Date.now() - began) / 1000).toFixed(1)} s`);
  began = Date.now();
  importImage(image.archive, env.node!.containerdSocket);
  log(`imported into the node in ${((Date.now() - began) / 1000).toFixed(1)} s`);
  return `livesync:${image.tag}`;
}

/** The NATS image (`pnpm image --nats`) imported into the node; returns chart values for it. */
export async function natsInPod(env: TestEnvironment, f: Fixture) {
  const image = await buildNatsImage();
  importImage(image.archive, env.node!.containerdSocket);
  // No provisioner on the test node: a volume of the node's own directory for the claim.
  const dir = join(env.node!.dir, "nats-volume");
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { mode: 0o777 });
  chmodSync(dir, 0o777); // NATS runs as 1000; fsGroup does not apply to hostPath
  const pv = `livesync-nats-${f.ns}`;
  await f.create("/api/v1/persistentvolumes", {
    apiVersion: "v1",
    kind: "PersistentVolume",
    metadata: { name: pv },
    spec: {
      capacity: { storage: "1Gi" },
      accessModes: ["ReadWriteOnce"],
      persistentVolumeReclaimPolicy: "Retain",
      hostPath: { path: dir, type: "Directory" },
    },
  });
  f.onCleanup(() => del(f, `/api/v1/persistentvolumes/${pv}`));
  f.onCleanup(() =>
    del(f, `/api/v1/namespaces/${CHART_NAMESPACE}/persistentvolumeclaims/data-livesync-nats-0`),
  );
  return {
    "nats.deploy": true,
    "nats.serviceIP": NATS_SERVICE_IP,
    "nats.image.repository": "livesync-nats",
    "nats.image.tag": image.tag,
    "nats.image.pullPolicy": "Never",
    "nats.storage.size": "1Gi",
    // The node has no cluster DNS, so the components reach NATS by IP, and Node.js's TLS then
    // checks the certificate against "localhost" (nats.js sends no server name for an IP): the
    // secured NATS is tested by rendering and in a real nats-server (helm-nats-auth.test.ts).
    "nats.tls.enabled": false,
    "nats.auth.enabled": false,
  };
}

/** In the test apiservers' service range: the components reach NATS there (no cluster DNS). */
export const NATS_SERVICE_IP = "10.0.0.200";

/** The source's read-only and the destination's kubeconfig with the machine's address. */
export function podKubeconfigs(env: TestEnvironment) {
  const source = env.clusters.source!;
  return {
    source: podReachable(readFileSync(source.readOnlyKubeconfig!, "utf8"), env),
    destination: podReachable(readFileSync(env.clusters.destination!.kubeconfig, "utf8"), env),
  };
}

/** A Bucket whose endpoint pods reach; its Secret and the Bucket are removed at clean-up. */
export async function addPodBucket(f: Fixture, env: TestEnvironment, name: string) {
  await f.addBucket(name, podReachable(env.s3.endpoint, env));
  f.onCleanup(() => del(f, `/api/v1/namespaces/${f.ns}/secrets/${name}-credentials`));
  f.onCleanup(() => del(f, f.path("buckets", name)));
}

/** A KubernetesCluster and its Secret, removed at clean-up. */
export async function addPodCluster(f: Fixture, name: string, kubeconfig: string) {
  await f.addCluster(name, kubeconfig);
  f.onCleanup(() => del(f, `/api/v1/namespaces/${f.ns}/secrets/${name}`));
  f.onCleanup(() => del(f, f.path("kubernetesclusters", name)));
}

export const del = (f: Fixture, path: string) =>
  f.management.rest.request("DELETE", path).catch(() => undefined);

/** Runs `fn` over `items` with at most `width` calls in flight. */
export async function inParallel<T>(items: T[], width: number, fn: (item: T) => Promise<unknown>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < items.length) await fn(items[next++]!);
    }),
  );
}

export const configMap = (name: string, data: Record<string, string>, labels = {}) => ({
  metadata: { name, labels },
  data,
});

/** name -> data of the ConfigMaps labelled `label` in a namespace. */
export async function configMaps(kc: KubeConfig, namespace: string, label: string) {
  const list = await kc
    .makeApiClient(CoreV1Api)
    .listNamespacedConfigMap({ namespace, labelSelector: label });
  return new Map(list.items.map((c: V1ConfigMap) => [c.metadata!.name!, c]));
}

/**
 * Waits until the destination holds exactly the source's ConfigMaps (same names, same data):
 * nothing lost, nothing resurrected, every copy at its latest version.
 */
export async function converged(
  env: TestEnvironment,
  namespace: string,
  label: string,
  timeoutMs: number,
) {
  const src = kubeConfigFor(env, "source");
  const dst = kubeConfigFor(env, "destination");
  let diff = "";
  return eventually(
    async () => {
      const [want, have] = await Promise.all([
        configMaps(src, namespace, label),
        configMaps(dst, namespace, label),
      ]);
      const missing = [...want.keys()].filter((n) => !have.has(n));
      const extra = [...have.keys()].filter((n) => !want.has(n));
      const stale = [...want.keys()].filter(
        (n) =>
          have.has(n) && JSON.stringify(have.get(n)!.data) !== JSON.stringify(want.get(n)!.data),
      );
      diff = `${want.size} in the source; missing ${missing.length} (${missing.slice(0, 3)}), extra ${extra.length} (${extra.slice(0, 3)}), stale ${stale.length} (${stale.slice(0, 3)})`;
      return missing.length + extra.length + stale.length === 0 ? want.size : undefined;
    },
    { timeoutMs, intervalMs: 2_000, what: () => `the destination to converge: ${diff}` },
  );
}

/** Deletes the pods of a chart component at once, as a crash (the controllers replace them). */
export async function killComponentPods(env: TestEnvironment, component: string) {
  const core = kubeConfigFor(env, "management").makeApiClient(CoreV1Api);
  const selector = `app.kubernetes.io/component=${component}`;
  const pods = await core.listNamespacedPod({
    namespace: CHART_NAMESPACE,
    labelSelector: selector,
  });
  if (pods.items.length === 0) throw new Error(`no pod of ${component} in ${CHART_NAMESPACE}`);
  for (const p of pods.items) {
    await core.deleteNamespacedPod({
      namespace: CHART_NAMESPACE,
      name: p.metadata!.name!,
      gracePeriodSeconds: 0,
    });
  }
  return pods.items.map((p) => p.metadata!.name!);
}

/** Every pod of the chart Ready again (the Deployments replaced what was deleted). */
export const chartPodsReady = (env: TestEnvironment, timeoutMs = 180_000) =>
  waitForPodsReady(env.clusters.management!.kubeconfig, CHART_NAMESPACE, {
    deadline: Date.now() + timeoutMs,
  });
