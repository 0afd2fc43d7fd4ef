/**
 * The operator against real clusters: the management cluster is the test environment's
 * destination (which is also the replication destination), the source is the source cluster.
 * The CRDs from deploy/crds are installed as raw JSON (installCrds) and left installed; the
 * namespaces are removed.
 */
import { readFileSync } from "node:fs";
import { AppsV1Api, CoreV1Api } from "@kubernetes/client-node";
import { eventually, freshNamespace, kubeConfigFor } from "@livesync/testkit";
import { Cluster, KubeApiError } from "@livesync/kube";
import { deployment } from "@livesync/cli/testing";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { installCrds, Operator } from "../src/index.js";

const env = inject("testenv");
const src = kubeConfigFor(env, "source");
const dst = kubeConfigFor(env, "destination");
const srcApps = src.makeApiClient(AppsV1Api);
const dstApps = dst.makeApiClient(AppsV1Api);

const AUTOMATION = "/apis/automation.livesync.dev/v1alpha1";
const ASSETS = "/apis/assets.livesync.dev/v1alpha1";

interface Cond {
  type: string;
  status: string;
  reason: string;
  message: string;
}
interface Obj {
  metadata: { name: string; generation?: number };
  spec?: Record<string, unknown>;
  status?: {
    observedGeneration?: number;
    conditions?: Cond[];
    phase?: string;
    resources?: { total: number; succeeded: number }[];
    failures?: unknown[];
  };
}

let management: Cluster;
let operator: Operator | undefined;
const cleanups: (() => Promise<void>)[] = [];
const errors: string[] = [];

/** Creates an object, retrying while a freshly installed CRD is not served yet (404). */
async function create(path: string, body: unknown): Promise<void> {
  await eventually(
    async () => {
      try {
        await management.rest.request("POST", path, { body });
        return true;
      } catch (err) {
        if (err instanceof KubeApiError && err.status === 404) return undefined;
        throw err;
      }
    },
    { timeoutMs: 60_000, what: `POST ${path}` },
  );
}

const get = (path: string) => management.rest.request<Obj>("GET", path);
const cond = (o: Obj, type: string) => o.status?.conditions?.find((c) => c.type === type);

beforeAll(async () => {
  management = await Cluster.fromKubeConfig("destination", dst);
  await installCrds(management);
});

afterAll(async () => {
  await operator?.stop();
  for (const c of cleanups) await c().catch(() => undefined);
  management?.close();
});

describe("operator", () => {
  it("runs LiveSynchronizations from the management cluster, reports status, keeps Tasks and runs TaskRuns", async () => {
    const mgmt = await freshNamespace(dst, "operator");
    cleanups.push(mgmt.remove);
    const ns = mgmt.name;
    const source = await freshNamespace(src, "operator-src", { "operator-dr": ns });
    cleanups.push(source.remove);
    cleanups.push(async () => {
      await dst.makeApiClient(CoreV1Api).deleteNamespace({ name: source.name });
    });
    await srcApps.createNamespacedDeployment({ namespace: source.name, body: deployment("web") });

    const secret = (name: string, file: string) => ({
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name, namespace: ns },
      stringData: { "kubeconfig.yaml": readFileSync(file, "utf8") },
    });
    const sourceEndpoint = env.clusters.source!;
    await create(
      `/api/v1/namespaces/${ns}/secrets`,
      secret("source", sourceEndpoint.readOnlyKubeconfig ?? sourceEndpoint.kubeconfig),
    );
    await create(
      `/api/v1/namespaces/${ns}/secrets`,
      secret("destination", env.clusters.destination!.kubeconfig),
    );
    for (const name of ["source", "destination"]) {
      await create(`${ASSETS}/namespaces/${ns}/kubernetesclusters`, {
        apiVersion: "assets.livesync.dev/v1alpha1",
        kind: "KubernetesCluster",
        metadata: { name },
        spec: { secretName: name },
      });
    }
    const liveSync = (name: string, resource: Record<string, unknown>) => ({
      apiVersion: "automation.livesync.dev/v1alpha1",
      kind: "LiveSynchronization",
      metadata: { name },
      spec: {
        plugin: "kubernetes-objects-to-kubernetes",
        config: {
          sourceName: "source",
          destinationName: "destination",
          observability: { enabled: false },
          replication: { resources: [resource] },
        },
      },
    });
    await create(
      `${AUTOMATION}/namespaces/${ns}/livesynchronizations`,
      liveSync("deployments", {
        group: "apps",
        version: "v1",
        resource: "deployments",
        transformation: { patch: [{ op: "replace", path: "/spec/replicas", value: 0 }] },
        filters: { namespaceSelector: { matchLabels: { "operator-dr": ns } } },
        recoveryProcess: { fromPatch: [{ op: "replace", path: "/spec/replicas", value: 1 }] },
      }),
    );
    await create(
      `${AUTOMATION}/namespaces/${ns}/livesynchronizations`,
      liveSync("broken", {
        version: "v1",
        resource: "configmaps",
        filters: {
          namespaceSelector: { matchLabels: { "operator-dr": ns } },
          nameSelector: { excludeRegex: ["*.test"] },
        },
      }),
    );

    operator = await Operator.start({
      management,
      namespace: ns,
      onError: (err) => errors.push(err.message),
    });

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
          return cond(o, "Ready") ? o : undefined;
        },
        { timeoutMs: 60_000, what: `KubernetesCluster ${name} status` },
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
