/**
 * The operator against real clusters, two-cluster topology: the management cluster is the
 * test environment's destination (which is also the replication destination). The documented
 * disaster day: Deployments replicated with replicas 0, a TaskRun brings them to 1.
 */
import { AppsV1Api, CoreV1Api } from "@kubernetes/client-node";
import { freshNamespace, kubeConfigFor, eventually } from "@livesync/testkit";
import { deployment } from "@livesync/engine/testing";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { cond, deploymentsIn, Fixture, tcpProxy, throughProxy } from "./fixture.js";

const env = inject("testenv");
const src = kubeConfigFor(env, "source");
const dst = kubeConfigFor(env, "destination");
const srcApps = src.makeApiClient(AppsV1Api);
const dstApps = dst.makeApiClient(AppsV1Api);
let f: Fixture;

beforeAll(async () => {
  f = await Fixture.create(env, dst, "operator");
});
afterAll(() => f?.close());

describe("operator", () => {
  it("runs LiveSynchronizations from the management cluster, reports status, keeps Tasks and runs TaskRuns", async () => {
    const ns = f.ns;
    const source = await freshNamespace(src, "operator-src", { "operator-dr": ns });
    f.onCleanup(source.remove);
    f.onCleanup(() =>
      dst
        .makeApiClient(CoreV1Api)
        .deleteNamespace({ name: source.name })
        .catch(() => undefined),
    );
    await srcApps.createNamespacedDeployment({ namespace: source.name, body: deployment("web") });
    // The source as livesync reaches it: through a proxy, cut on the disaster day.
    const sourceUrl = new URL(src.getCurrentCluster()!.server);
    const proxy = await tcpProxy(sourceUrl.hostname, Number(sourceUrl.port));
    f.onCleanup(async () => proxy.close());
    await f.addCluster("proxied-source", throughProxy(f.kubeconfigs.source, proxy.port));
    await f.liveSync("deployments", [deploymentsIn("operator-dr", ns)], {
      sourceName: "proxied-source",
    });
    await f.liveSync("broken", [
      {
        version: "v1",
        resource: "configmaps",
        filters: {
          namespaceSelector: { matchLabels: { "operator-dr": ns } },
          nameSelector: { excludeRegex: ["*.test"] },
        },
      },
    ]);
    await f.operator();
    const get = (path: string) => f.get(path);
    const create = (path: string, body: unknown) => f.create(path, body);
    const errors = f.errors;
    const AUTOMATION = "/apis/automation.livesync.dev/v1alpha1";
    const ASSETS = "/apis/assets.livesync.dev/v1alpha1";

    // The copy arrives with replicas 0.
    const copy = await eventually(
      () =>
        dstApps
          .readNamespacedDeployment({ namespace: source.name, name: "web" })
          .catch(() => undefined),
      { timeoutMs: 60_000, what: "the copy of web in the destination" },
    );
    expect(copy.spec?.replicas).toBe(0);

    const lsPath = `${AUTOMATION}/namespaces/${ns}/livesynchronizations`;
    const ready = await eventually(
      async () => {
        const ls = await get(`${lsPath}/deployments`);
        return cond(ls, "Ready")?.status === "True" ? ls : undefined;
      },
      { timeoutMs: 60_000, what: "LiveSynchronization deployments to be Ready" },
    );
    expect(ready.status?.observedGeneration).toBe(ready.metadata.generation);
    expect(cond(ready, "Ready")?.reason).toBe("Replicating");
    expect(cond(ready, "Suspended")?.status).toBe("False");

    const broken = await eventually(
      async () => {
        const ls = await get(`${lsPath}/broken`);
        return cond(ls, "Ready") ? ls : undefined;
      },
      { timeoutMs: 60_000, what: "LiveSynchronization broken to have a Ready condition" },
    );
    expect(cond(broken, "Ready")).toMatchObject({ status: "False", reason: "InvalidSpec" });
    expect(cond(broken, "Ready")?.message).toContain(
      'spec.config.replication.resources[0].filters.nameSelector.excludeRegex[0]: "*.test" is not a valid regular expression',
    );
    expect(broken.status?.observedGeneration).toBe(broken.metadata.generation);
    // The first keeps working.
    expect(cond(await get(`${lsPath}/deployments`), "Ready")?.status).toBe("True");

    // Clusters are Ready.
    for (const name of ["source", "destination"]) {
      const kc = await eventually(
        async () => {
          const o = await get(`${ASSETS}/namespaces/${ns}/kubernetesclusters/${name}`);
          // "Checking" is the condition while the first connectivity check runs.
          return cond(o, "Ready") && cond(o, "Ready")?.reason !== "Checking" ? o : undefined;
        },
        { timeoutMs: 60_000, what: `KubernetesCluster ${name} checked` },
      );
      expect(cond(kc, "Ready")?.status).toBe("True");
    }

    // The Task of the first LiveSynchronization.
    const task = await eventually(
      () => get(`${AUTOMATION}/namespaces/${ns}/tasks/deployments`).catch(() => undefined),
      { timeoutMs: 60_000, what: "Task deployments" },
    );
    expect(task.spec).toMatchObject({
      plugin: "kubernetes-objects-transformation",
      config: {
        resources: [
          {
            identifier: { group: "apps", version: "v1", resources: "deployments" },
            patch: { operations: [{ op: "replace", path: "/spec/replicas", value: 1 }] },
          },
        ],
      },
    });
    await expect(get(`${AUTOMATION}/namespaces/${ns}/tasks/broken`)).rejects.toThrow(/404/);

    // The Task is the operator's: Ready, and a hand edit is undone.
    const taskPath = `${AUTOMATION}/namespaces/${ns}/tasks/deployments`;
    await f.condition(taskPath, "Ready", (c) => c.status === "True" && c.reason === "Generated");
    await f.mergePatch(taskPath, { spec: { config: { resources: [] } } });
    await eventually(
      async () =>
        ((await get(taskPath)).spec?.config as { resources: unknown[] }).resources.length === 1
          ? true
          : undefined,
      { what: "the hand-edited Task to be regenerated" },
    );

    // Disaster: the source is gone.
    proxy.close();
    await f.condition(`${lsPath}/deployments`, "Ready", (c) => c.status === "False", 90_000);

    // A TaskRun: runs once, suspends the LiveSynchronization, recovers the copy.
    await create(`${AUTOMATION}/namespaces/${ns}/taskruns`, {
      apiVersion: "automation.livesync.dev/v1alpha1",
      kind: "TaskRun",
      metadata: { name: "recover" },
      spec: { taskName: "deployments" },
    });
    const run = await eventually(
      async () => {
        const tr = await get(`${AUTOMATION}/namespaces/${ns}/taskruns/recover`);
        const phase = tr.status?.phase;
        return phase && phase !== "Running" && phase !== "Pending" ? tr : undefined;
      },
      { timeoutMs: 60_000, what: "TaskRun recover to finish" },
    );
    expect(run.status?.phase, JSON.stringify(run.status)).toBe("Succeeded");
    expect(run.status?.resources?.[0]).toMatchObject({ total: 1, succeeded: 1 });
    const recovered = await dstApps.readNamespacedDeployment({
      namespace: source.name,
      name: "web",
    });
    expect(recovered.spec?.replicas).toBe(1);
    const suspendedLs = await get(`${lsPath}/deployments`);
    expect(suspendedLs.spec?.suspend).toBe(true);
    await eventually(
      async () => {
        const ls = await get(`${lsPath}/deployments`);
        return cond(ls, "Suspended")?.status === "True" &&
          ls.status?.observedGeneration === ls.metadata.generation
          ? true
          : undefined;
      },
      { timeoutMs: 60_000, what: "the Suspended condition" },
    );
    // Never run again: still Succeeded and the copy untouched a few passes later.
    await new Promise((r) => setTimeout(r, 1500));
    const again = await get(`${AUTOMATION}/namespaces/${ns}/taskruns/recover`);
    expect(again.status?.phase).toBe("Succeeded");
    expect(errors).toEqual([]);
  }, 240_000);
});
