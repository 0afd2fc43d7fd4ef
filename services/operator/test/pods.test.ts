/**
 * livesync as users run it: the Helm chart installed on the test environment's node, every
 * component in its own pod, configured only through objects in the management cluster. One
 * file, so the tests share the node and the release, one after the other: install, replicate and
 * restore, chaos (pods deleted mid-sync and mid-updates), `helm upgrade` to a new image tag,
 * `helm uninstall` and a reinstall that resumes.
 */
import { readFileSync } from "node:fs";
import { AppsV1Api, CoordinationV1Api, CoreV1Api } from "@kubernetes/client-node";
import {
  CHART_NAMESPACE,
  ctr,
  eventually,
  freshNamespace,
  installChart,
  kubeConfigFor,
  listKeys,
  nodePaths,
  podReachable,
  uninstallChart,
  type ChartInstall,
} from "@livesync/testkit";
import { deployment } from "@livesync/engine/testing";
import { Cluster } from "@livesync/kube";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { cond, tcpProxy, throughProxy, type Fixture, type Obj } from "./fixture.js";
import type { BackupObj } from "./backup-fixture.js";
import { alerts, monitorChart, panelQueries, query } from "./pods-monitoring.js";
import {
  addPodBucket,
  addPodCluster,
  chartPodsReady,
  configMap,
  converged,
  del,
  freshImage,
  inParallel,
  killComponentPods,
  natsInPod,
  podFixture,
  podKubeconfigs,
} from "./pods-fixture.js";

const env = inject("testenv");
const src = kubeConfigFor(env, "source");
const dst = kubeConfigFor(env, "destination");
const mgmt = kubeConfigFor(env, "management");
let f: Fixture;
let source: Cluster; // where the tests write the objects to replicate
let install: ChartInstall;
const log = (line: string) => console.log(`[pods] ${line}`);

beforeAll(async () => {
  f = await podFixture(env);
  source = await Cluster.fromKubeConfig("source", src);
  install = await installChart({ env, image: await freshImage(env, log) });
  log(`helm install to every pod Ready: ${install.seconds.toFixed(1)} s`);
}, 600_000);
afterAll(async () => {
  await f?.close();
  source?.close();
  if (env.node) uninstallChart(env);
}, 120_000);

/** A source namespace labelled for one LiveSynchronization, removed from both clusters after. */
async function sourceNamespace(prefix: string, labels: Record<string, string>) {
  const ns = await freshNamespace(src, prefix, labels);
  f.onCleanup(ns.remove);
  f.onCleanup(() =>
    dst
      .makeApiClient(CoreV1Api)
      .deleteNamespace({ name: ns.name })
      .catch(() => undefined),
  );
  return ns.name;
}

describe("the chart on a real node", () => {
  it("installs: every component's pod is Ready and the operator holds the leader Lease", async () => {
    const components = ["operator", "events-listener", "synchronizer", "archiver"];
    for (const c of components) {
      expect(
        install.pods.filter((p) => p.name.startsWith(`livesync-${c}-`) && p.ready),
      ).toHaveLength(1);
    }
    const operatorPod = install.pods.find((p) => p.name.startsWith("livesync-operator-"))!.name;
    const lease = await eventually(
      async () => {
        const l = await mgmt
          .makeApiClient(CoordinationV1Api)
          .readNamespacedLease({ namespace: CHART_NAMESPACE, name: "livesync-operator" });
        return l.spec?.holderIdentity?.startsWith(operatorPod) ? l : undefined;
      },
      { timeoutMs: 60_000, what: `the Lease livesync-operator held by ${operatorPod}` },
    );
    const renewed = new Date(lease.spec!.renewTime!).getTime();
    expect(Date.now() - renewed).toBeLessThan(60_000);
  });

  it("replicates (filters, transformation), archives to the bucket, and a TaskRun restores the originals once the source is gone", async () => {
    const N = 10;
    const ns = await sourceNamespace("pods-src", { "pods-dr": f.ns });
    const other = await sourceNamespace("pods-other", {}); // not selected: never copied
    const srcApps = src.makeApiClient(AppsV1Api);
    const dstApps = dst.makeApiClient(AppsV1Api);
    for (let i = 0; i < N; i++)
      await srcApps.createNamespacedDeployment({ namespace: ns, body: deployment(`app-${i}`) });
    await srcApps.createNamespacedDeployment({ namespace: other, body: deployment("outside") });

    // The source as the pods reach it: through a proxy on the machine's address, cut later.
    const sourceUrl = new URL(src.getCurrentCluster()!.server);
    const proxy = await tcpProxy(sourceUrl.hostname, Number(sourceUrl.port), "0.0.0.0");
    f.onCleanup(async () => proxy.close());
    const readOnly = readFileSync(env.clusters.source!.readOnlyKubeconfig!, "utf8");
    await addPodCluster(f, "pods-source", podReachable(throughProxy(readOnly, proxy.port), env));
    await addPodCluster(f, "pods-destination", podKubeconfigs(env).destination);
    await addPodBucket(f, env, "pods-archive");
    const began = Date.now();
    await f.liveSync(
      "pods-apps",
      [
        {
          group: "apps",
          version: "v1",
          resource: "deployments",
          filters: { namespaceSelector: { matchLabels: { "pods-dr": f.ns } } },
          transformation: {
            patch: [
              { op: "replace", path: "/spec/replicas", value: 0 },
              { op: "remove", path: "/spec/strategy" },
            ],
          },
          recoveryProcess: { fromOriginal: { enabled: true } },
        },
      ],
      {
        sourceName: "pods-source",
        destinationName: "pods-destination",
        bucketName: "pods-archive",
      },
    );
    const lsPath = f.path("livesynchronizations", "pods-apps");
    f.onCleanup(() => del(f, f.path("tasks", "pods-apps")));
    f.onCleanup(() => del(f, lsPath));

    await eventually(
      async () => {
        const list = await dstApps.listNamespacedDeployment({ namespace: ns });
        return list.items.length === N ? true : undefined;
      },
      { timeoutMs: 120_000, intervalMs: 500, what: `${N} copies in the destination` },
    );
    log(
      `LiveSynchronization created to ${N} copies: ${((Date.now() - began) / 1000).toFixed(1)} s`,
    );
    const copy = await dstApps.readNamespacedDeployment({ namespace: ns, name: "app-0" });
    expect(copy.spec?.replicas).toBe(0);
    expect(copy.spec?.strategy?.type).toBe("RollingUpdate"); // the destination's default
    await expect(
      dstApps.readNamespacedDeployment({ namespace: other, name: "outside" }),
    ).rejects.toThrow();
    const prefix = `${CHART_NAMESPACE}/pods-archive/`;
    await eventually(
      async () => ((await listKeys(env.s3, prefix)).length >= N ? true : undefined),
      { timeoutMs: 60_000, intervalMs: 500, what: `${N} originals in the bucket under ${prefix}` },
    );

    proxy.close(); // disaster: the source is gone
    await f.condition(lsPath, "Ready", (c) => c.status === "False", 120_000);
    await f.create(f.path("taskruns"), {
      apiVersion: "automation.livesync.dev/v1alpha1",
      kind: "TaskRun",
      metadata: { name: "pods-restore" },
      spec: { taskName: "pods-apps" },
    });
    f.onCleanup(() => del(f, f.path("taskruns", "pods-restore")));
    const run = await eventually(
      async () => {
        const tr: Obj = await f.get(f.path("taskruns", "pods-restore"));
        const phase = tr.status?.phase;
        return phase && phase !== "Running" ? tr : undefined;
      },
      { timeoutMs: 90_000, intervalMs: 500, what: "the TaskRun to finish" },
    );
    expect(run.status?.phase, JSON.stringify(run.status)).toBe("Succeeded");
    expect(run.status?.resources?.[0]).toMatchObject({ total: N, succeeded: N, failed: 0 });
    const restored = await dstApps.readNamespacedDeployment({ namespace: ns, name: "app-3" });
    expect(restored.spec?.replicas).toBe(3);
    expect(restored.spec?.strategy?.type).toBe("Recreate");
    expect(cond(await f.get(lsPath), "Ready")?.status).toBe("False");
  }, 420_000);

  const chaos = { ns: "", label: "" };
  const cms = () => src.makeApiClient(CoreV1Api);
  const update = (name: string, v: string, namespace = chaos.ns) =>
    source.rest.request("PATCH", `/api/v1/namespaces/${namespace}/configmaps/${name}`, {
      body: { data: { v } },
      contentType: "application/merge-patch+json",
    });

  it("chaos: the synchronizer and events-listener pods deleted mid initial sync of 2,000 objects and mid updates lose nothing and resurrect nothing", async () => {
    const N = 2_000;
    chaos.label = `chaos=${f.ns}`;
    chaos.ns = await sourceNamespace("pods-chaos", { "pods-chaos": "yes" });
    const names = Array.from({ length: N }, (_, i) => `cm-${i}`);
    await inParallel(names, 16, (name) =>
      cms().createNamespacedConfigMap({
        namespace: chaos.ns,
        body: configMap(name, { v: "1" }, { chaos: f.ns }),
      }),
    );
    const kubeconfigs = podKubeconfigs(env);
    await addPodCluster(f, "chaos-source", kubeconfigs.source);
    await addPodCluster(f, "chaos-destination", kubeconfigs.destination);
    await f.liveSync(
      "pods-chaos",
      [
        {
          version: "v1",
          resource: "configmaps",
          filters: {
            namespaceSelector: { matchLabels: { "pods-chaos": "yes" } },
            selector: { matchLabels: { chaos: f.ns } },
          },
          transformation: { patch: [{ op: "add", path: "/metadata/labels/copy", value: "yes" }] },
        },
      ],
      { sourceName: "chaos-source", destinationName: "chaos-destination" },
    );
    f.onCleanup(() => del(f, f.path("livesynchronizations", "pods-chaos")));
    const copies = async () =>
      (
        await dst.makeApiClient(CoreV1Api).listNamespacedConfigMap({
          namespace: chaos.ns,
          labelSelector: chaos.label,
        })
      ).items.length;

    await eventually(async () => ((await copies()) >= 300 ? true : undefined), {
      timeoutMs: 180_000,
      intervalMs: 250,
      what: "the initial sync to be under way",
    });
    const killed = await killComponentPods(env, "synchronizer");
    log(`deleted ${killed} with ${await copies()} of ${N} copies made`);

    // Updates flow while the events-listener dies: changes, deletions, creations.
    let changed = 0;
    const updates = inParallel(names.slice(0, 400), 8, async (n) => {
      await update(n, "2");
      changed++;
    });
    const deletions = inParallel(names.slice(1_900), 4, (name) =>
      cms().deleteNamespacedConfigMap({ namespace: chaos.ns, name }),
    );
    await eventually(async () => (changed >= 150 ? true : undefined), {
      timeoutMs: 120_000,
      what: "updates to flow",
    });
    const listener = await killComponentPods(env, "events-listener");
    log(`deleted ${listener} after ${changed} updates, with ${await copies()} copies made`);
    await inParallel(["new-0", "new-1", "new-2"], 3, (name) =>
      cms().createNamespacedConfigMap({
        namespace: chaos.ns,
        body: configMap(name, { v: "new" }, { chaos: f.ns }),
      }),
    );
    await Promise.all([updates, deletions]);
    const began = Date.now();
    expect(await converged(env, chaos.ns, chaos.label, 600_000)).toBe(N - 100 + 3);
    log(`converged ${((Date.now() - began) / 1000).toFixed(1)} s after the last change`);
    await chartPodsReady(env);
  }, 1_200_000);

  it("helm upgrade to a new image tag rolls every pod without losing events", async () => {
    const paths = nodePaths(env.node!.dir);
    const [repo, tag] = install.image.split(":");
    const next = `${repo}:${tag}-next`;
    const tagged = ctr(paths, [
      "images",
      "tag",
      "--force",
      `docker.io/library/${install.image}`,
      `docker.io/library/${next}`,
    ]);
    expect(tagged.status, tagged.stderr).toBe(0);
    const names = Array.from({ length: 300 }, (_, i) => `cm-${i}`);
    const updates = inParallel(names, 4, (n) => update(n, "3"));
    const upgraded = await installChart({ env, image: next });
    await updates;
    expect(upgraded.revision).toBeGreaterThan(install.revision);
    expect(upgraded.pods.every((p) => p.image.endsWith(next))).toBe(true);
    await converged(env, chaos.ns, chaos.label, 180_000);
  }, 600_000);

  it("NATS in its own pod (the chart's StatefulSet): restarted while updates flow, its backlog drains", async () => {
    const nats = await natsInPod(env, f);
    // The components move to the chart's NATS: a rollout, and a full resync into its stream.
    const moved = await installChart({ env, image: install.image, values: nats });
    expect(moved.pods.some((p) => p.name === "livesync-nats-0")).toBe(true);
    await converged(env, chaos.ns, chaos.label, 300_000);

    let changed = 0;
    const names = Array.from({ length: 300 }, (_, i) => `cm-${i}`);
    const updates = inParallel(names, 4, async (n) => {
      await update(n, "5");
      changed++;
    });
    await eventually(async () => (changed >= 50 ? true : undefined), { what: "updates to flow" });
    await killComponentPods(env, "nats");
    await updates;
    await chartPodsReady(env);
    const began = Date.now();
    await converged(env, chaos.ns, chaos.label, 300_000);
    log(
      `NATS pod restarted: backlog drained ${((Date.now() - began) / 1000).toFixed(1)} s after the last update`,
    );
  }, 900_000);

  it("monitoring as users run it: Prometheus scrapes the pods, the chart's alert fires while the destination is unreachable and resolves after, every dashboard panel returns data", async () => {
    // What a user would set for a fast test; everything else is the chart's own rules.
    const rendered = await monitorChart(env, mgmt, {
      "monitoring.alerts.destinationUnreachableFor": "10s",
    });
    f.onCleanup(async () => rendered.stop());
    // The `component` label the ServiceMonitor puts on every series (the operator's is controller).
    const components = ["controller", "events-listener", "synchronizer", "archiver"];
    await eventually(
      async () => {
        const up = await query(env, `up{namespace="${CHART_NAMESPACE}"} == 1`);
        const seen = new Set(up.map((s) => s.metric.component));
        return components.every((c) => seen.has(c)) ? seen : undefined;
      },
      { timeoutMs: 120_000, intervalMs: 1_000, what: "every component's pod scraped (up == 1)" },
    );

    // A LiveSynchronization whose destination the pods reach through a proxy we can cut.
    const ns = await sourceNamespace("pods-mon", { "pods-mon": f.ns });
    const dstUrl = new URL(dst.getCurrentCluster()!.server);
    let proxy = await tcpProxy(dstUrl.hostname, Number(dstUrl.port), "0.0.0.0");
    const proxyPort = proxy.port;
    f.onCleanup(async () => proxy.close());
    const dstKubeconfig = readFileSync(env.clusters.destination!.kubeconfig, "utf8");
    const kubeconfigs = podKubeconfigs(env);
    await addPodCluster(f, "mon-source", kubeconfigs.source);
    await addPodCluster(
      f,
      "mon-destination",
      podReachable(throughProxy(dstKubeconfig, proxyPort), env),
    );
    await addPodCluster(f, "mon-restore", kubeconfigs.destination);
    await addPodBucket(f, env, "mon-archive");
    const label = `mon=${f.ns}`;
    const write = (name: string, v: string) =>
      cms()
        .createNamespacedConfigMap({ namespace: ns, body: configMap(name, { v }, { mon: f.ns }) })
        .catch(() => update(name, v, ns));
    await inParallel(["m-0", "m-1", "m-2"], 3, (n) => write(n, "1"));
    await f.liveSync(
      "pods-mon",
      [
        {
          version: "v1",
          resource: "configmaps",
          filters: {
            namespaceSelector: { matchLabels: { "pods-mon": f.ns } },
            selector: { matchLabels: { mon: f.ns } },
          },
        },
      ],
      { sourceName: "mon-source", destinationName: "mon-destination", bucketName: "mon-archive" },
    );
    f.onCleanup(() => del(f, f.path("livesynchronizations", "pods-mon")));
    await converged(env, ns, label, 120_000);

    const liveSync = `${f.ns}/pods-mon`;
    const unreachable = () => alerts(env, "LivesyncDestinationUnreachable");
    expect(await unreachable()).toEqual([]);
    proxy.close(); // the destination is gone for the pods
    const cutAt = Date.now();
    await inParallel(["m-0", "m-1", "m-3"], 3, (n) => write(n, "2"));
    const firing = await eventually(
      async () => (await unreachable()).find((a) => a.state === "firing"),
      { timeoutMs: 180_000, intervalMs: 1_000, what: "LivesyncDestinationUnreachable firing" },
    );
    expect(firing.labels).toMatchObject({ live_sync: liveSync, namespace: CHART_NAMESPACE });
    log(`destination cut: alert firing after ${((Date.now() - cutAt) / 1000).toFixed(1)} s`);

    proxy = await tcpProxy(dstUrl.hostname, Number(dstUrl.port), "0.0.0.0", proxyPort);
    const back = Date.now();
    await eventually(async () => ((await unreachable()).length === 0 ? true : undefined), {
      timeoutMs: 180_000,
      intervalMs: 1_000,
      what: "LivesyncDestinationUnreachable resolved",
    });
    log(`destination back: alert resolved after ${((Date.now() - back) / 1000).toFixed(1)} s`);
    expect(await converged(env, ns, label, 120_000)).toBe(4);

    // Backups and a restore, so that their panels have something to show.
    await f.create(f.path("backupschedules"), {
      apiVersion: "backup.livesync.dev/v1alpha1",
      kind: "BackupSchedule",
      metadata: { name: "mon-every-minute" },
      spec: {
        schedule: "* * * * *",
        maxBackups: 2,
        template: { sourceName: "mon-source", bucketName: "mon-archive", includedNamespaces: [ns] },
      },
    });
    f.onCleanup(() => del(f, f.path("backupschedules", "mon-every-minute")));
    const backup = await eventually(
      async () => {
        const s = (await f.get(f.path("backupschedules", "mon-every-minute"))) as BackupObj;
        return s.status?.lastSuccessfulBackup;
      },
      { timeoutMs: 180_000, intervalMs: 1_000, what: "a backup of the schedule to complete" },
    );
    await f.create(f.path("restores"), {
      apiVersion: "backup.livesync.dev/v1alpha1",
      kind: "Restore",
      metadata: { name: "mon-restore" },
      spec: {
        destinationName: "mon-restore",
        bucketName: "mon-archive",
        backupName: backup,
        namespaceMapping: { [ns]: `${ns}-restored` },
      },
    });
    f.onCleanup(() => del(f, f.path("restores", "mon-restore")));
    f.onCleanup(() =>
      dst
        .makeApiClient(CoreV1Api)
        .deleteNamespace({ name: `${ns}-restored` })
        .catch(() => undefined),
    );
    await eventually(
      async () => {
        const r: Obj = await f.get(f.path("restores", "mon-restore"));
        return r.status?.phase === "Completed" ? true : undefined;
      },
      { timeoutMs: 180_000, intervalMs: 1_000, what: "the Restore to complete" },
    );

    const panels = panelQueries(rendered.dashboard, {
      namespace: CHART_NAMESPACE,
      live_sync: liveSync,
    });
    expect(panels.length).toBeGreaterThan(20);
    const empty = await eventually(
      async () => {
        const results = await Promise.all(
          panels.map(async (p) => ({ ...p, samples: (await query(env, p.expr)).length })),
        );
        const none = results.filter((r) => r.samples === 0);
        return none.length === 0 ? none : undefined;
      },
      {
        timeoutMs: 120_000,
        intervalMs: 2_000,
        what: "every dashboard panel query to return data",
      },
    ).catch(async () => {
      const results = await Promise.all(
        panels.map(async (p) => ({ ...p, samples: (await query(env, p.expr)).length })),
      );
      return results.filter((r) => r.samples === 0);
    });
    expect(empty.map((p) => `${p.title}: ${p.expr}`)).toEqual([]);
  }, 900_000);

  it("helm uninstall keeps the CRDs and every user object; a reinstall resumes replication", async () => {
    uninstallChart(env);
    const core = mgmt.makeApiClient(CoreV1Api);
    await eventually(
      async () =>
        (await core.listNamespacedPod({ namespace: CHART_NAMESPACE })).items.length === 0
          ? true
          : undefined,
      { timeoutMs: 120_000, intervalMs: 500, what: "the chart's pods to go" },
    );
    const crd =
      "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/livesynchronizations.automation.livesync.dev";
    await f.management.rest.request("GET", crd);
    await f.get(f.path("livesynchronizations", "pods-chaos"));
    await f.get(f.path("kubernetesclusters", "chaos-source"));
    await core.readNamespacedSecret({ namespace: CHART_NAMESPACE, name: "chaos-source" });

    // Changes while nothing runs: the reinstall must pick them up.
    await inParallel(
      Array.from({ length: 50 }, (_, i) => `cm-${i}`),
      8,
      (n) => update(n, "4"),
    );
    await cms().deleteNamespacedConfigMap({ namespace: chaos.ns, name: "cm-100" });
    const began = Date.now();
    const again = await installChart({ env, image: install.image });
    await eventually(
      async () => {
        const c = await dst
          .makeApiClient(CoreV1Api)
          .readNamespacedConfigMap({ namespace: chaos.ns, name: "cm-0" });
        return c.data?.v === "4" ? true : undefined;
      },
      { timeoutMs: 180_000, intervalMs: 250, what: "a change made while uninstalled to arrive" },
    );
    log(
      `helm install to replicating: ${((Date.now() - began) / 1000).toFixed(1)} s (pods Ready after ${again.seconds.toFixed(1)} s)`,
    );
    await converged(env, chaos.ns, chaos.label, 180_000);
  }, 600_000);
});
