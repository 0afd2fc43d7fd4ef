/**
 * recovery: N Deployments replicated with replicas 0 by the operator (in-process, management
 * cluster = destination) from a LiveSynchronization custom resource; then a TaskRun custom
 * resource whose recovery (fromPatch replicas 1) covers all of them, timed from its POST until
 * its status.phase is final. Against a direct client making the same guarded JSON patch to as
 * many Deployments created directly in the destination (same run, same concurrency as the
 * recovery engine), measured before and after the TaskRun, and the same patch by that client
 * on the very copies the TaskRun recovered (the "same objects"; `ratio` uses this one,
 * `ratioAgainstFreshObjects` the others). Target: ratio direct/TaskRun >= 0.8.
 *
 * The TaskRun's duration is broken down with its status times and a watch on the copies:
 * pickup (POST until the operator marks it Running), run (startTime to completionTime), in it
 * the time before the first copy is patched (suspending the LiveSynchronization, reading the
 * Task, listing the copies) and the window in which the copies were patched, and the delay
 * until our 100 ms poll saw the final phase. Exits 1 unless every copy was recovered.
 */
import { readFileSync } from "node:fs";
import { deployment, liveSyncFor } from "@livesync/engine/testing";
import { isNotFound, SupervisedWatch, type KubeObject } from "@livesync/kube";
import { installCrds, Operator } from "@livesync/operator";
import { DEFAULT_CONCURRENCY } from "@livesync/recovery";
import { eventually } from "@livesync/testkit";
import { arg, benchContext, createNamespace, deleteNamespace, pool } from "./common.js";

const objects = arg("objects", 1_000);
const namespaces = arg("namespaces", 10);
// Objects recovered at once: the operator's (recoveryConcurrency) and the baseline's.
const concurrency = arg("concurrency", DEFAULT_CONCURRENCY);
const { env, source, destination, run } = await benchContext();
const management = destination;

const AUTOMATION = "/apis/automation.livesync.dev/v1alpha1";
const ASSETS = "/apis/assets.livesync.dev/v1alpha1";
const FINAL = ["Succeeded", "Failed", "PartiallySucceeded"];
const DEPLOYMENTS = await destination.discovery.resolve({
  group: "apps",
  version: "v1",
  resource: "deployments",
});

interface DeploymentList {
  items: {
    metadata: { name: string; namespace: string; resourceVersion: string };
    spec: { replicas?: number };
  }[];
}
interface TaskRunObject {
  status?: {
    phase?: string;
    startTime?: string;
    completionTime?: string;
    resources?: unknown[];
    failures?: unknown[];
    conditions?: unknown[];
  };
}

const create = (cluster: typeof source, nss: string[], replicas: number) =>
  pool(
    Array.from({ length: objects }, (_, i) => ({ ns: nss[i % namespaces]!, name: `app-${i}` })),
    32,
    async ({ ns, name }) => {
      await cluster.rest.request("POST", `/apis/apps/v1/namespaces/${ns}/deployments`, {
        body: { apiVersion: "apps/v1", kind: "Deployment", ...deployment(name, {}, replicas) },
      });
    },
  );
const names = (prefix: string) =>
  Array.from({ length: namespaces }, (_, i) => `${prefix}-${run}-${i}`);
const listDeployments = async (nss: string[]) =>
  (
    await Promise.all(
      nss.map((ns) =>
        destination.rest.request<DeploymentList>(
          "GET",
          `/apis/apps/v1/namespaces/${ns}/deployments`,
        ),
      ),
    )
  ).flatMap((l) => l.items);
const seconds = (ms: number) => ms / 1000;

/** POST to the management cluster, retrying while a freshly installed CRD is not served (404). */
async function post(path: string, body: unknown): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      await management.rest.request("POST", path, { body });
      return;
    } catch (err) {
      if (!isNotFound(err) || Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

// The management cluster: CRDs, then Secrets, KubernetesClusters and a LiveSynchronization in a
// fresh namespace, as a user would apply them.
await installCrds(management);
const mgmtNs = `bench-recovery-mgmt-${run}`;
await createNamespace(management.rest, mgmtNs);
const kubeconfig = (name: "source" | "destination") => {
  const c = env.clusters[name]!;
  return readFileSync(
    name === "source" ? (c.readOnlyKubeconfig ?? c.kubeconfig) : c.kubeconfig,
    "utf8",
  );
};
for (const name of ["source", "destination"] as const) {
  await post(`/api/v1/namespaces/${mgmtNs}/secrets`, {
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name },
    stringData: { "kubeconfig.yaml": kubeconfig(name) },
  });
  await post(`${ASSETS}/namespaces/${mgmtNs}/kubernetesclusters`, {
    apiVersion: "assets.livesync.dev/v1alpha1",
    kind: "KubernetesCluster",
    metadata: { name },
    spec: { secretName: name },
  });
}
const lsName = `recovery-${run}`;
const ls = liveSyncFor({
  name: lsName,
  resources: [
    {
      group: "apps",
      version: "v1",
      resource: "deployments",
      transformation: { patch: [{ op: "replace", path: "/spec/replicas", value: 0 }] },
      filters: { namespaceSelector: { matchLabels: { bench: run } } },
      recoveryProcess: { fromPatch: [{ op: "replace", path: "/spec/replicas", value: 1 }] },
    },
  ],
});
await post(`${AUTOMATION}/namespaces/${mgmtNs}/livesynchronizations`, {
  apiVersion: ls.apiVersion,
  kind: ls.kind,
  metadata: { name: lsName },
  spec: ls.spec,
});

// N Deployments in labelled source namespaces, replicated by the operator with replicas 0.
const syncNs = names("bench-recovery");
for (const ns of syncNs) await createNamespace(source.rest, ns, { bench: run });
await create(source, syncNs, 3);
const operatorErrors: string[] = [];
const t = Date.now();
const operator = await Operator.start({
  management,
  namespace: mgmtNs,
  engineOptions: {
    natsUrl: env.nats.url,
    stream: `RECOVERY_${run.toUpperCase()}`,
    firstReconcileDelayMs: 24 * 3_600_000,
  },
  recoveryConcurrency: concurrency,
  onError: (err) => operatorErrors.push(err.message),
});
await eventually(
  async () => {
    const copies = await listDeployments(syncNs);
    return copies.length >= objects ? true : undefined;
  },
  { timeoutMs: 15 * 60_000, intervalMs: 500, what: `${objects} copies in the destination` },
);
const initialSyncSeconds = seconds(Date.now() - t);
await eventually(
  () =>
    management.rest
      .request("GET", `${AUTOMATION}/namespaces/${mgmtNs}/tasks/${lsName}`)
      .then(() => true),
  { timeoutMs: 60_000, what: `the Task ${lsName}` },
);

// When each Deployment of ours first has replicas 1, seen by a watch (no load on the
// apiserver), during the baselines and the TaskRun alike.
const patchedAt = new Map<string, number>();
let watchReady!: () => void;
const watching = new Promise<void>((r) => (watchReady = r));
const watch = new SupervisedWatch(destination.rest, DEPLOYMENTS, {
  onList: async () => watchReady(),
  onEvent: async (_type, o: KubeObject) => {
    const key = `${o.metadata.namespace}/${o.metadata.name}`;
    const replicas = (o as { spec?: { replicas?: number } }).spec?.replicas;
    if (key.startsWith(`bench-recovery-`) && replicas === 1 && !patchedAt.has(key))
      patchedAt.set(key, Date.now());
  },
});
watch.start();
await watching;
/** The first and last time a Deployment of these namespaces reached replicas 1. */
const patchWindow = (nss: string[]) => {
  const times = [...patchedAt]
    .filter(([k]) => nss.includes(k.slice(0, k.indexOf("/"))))
    .map(([, at]) => at)
    .sort((x, y) => x - y);
  return { first: times[0] ?? NaN, last: times[times.length - 1] ?? NaN, count: times.length };
};

// Baseline: the same guarded patch, straight from a client, on Deployments made in place. The
// load on the apiserver drifts during a run (the controller-manager scales every Deployment set
// to 1, other clients share the test environment), so it runs before and after the TaskRun and
// the mean of the two is what the TaskRun is compared with. The list that gives the
// resourceVersions is timed apart (listSeconds), not in `seconds`.
const rawNs: string[] = [];
async function direct(label: string): Promise<{ seconds: number; listSeconds: number }> {
  const nss = names(`bench-recovery-raw${label}`);
  rawNs.push(...nss);
  for (const ns of nss) await createNamespace(destination.rest, ns);
  await create(destination, nss, 0);
  return patchAll(nss, 1);
}
/** The guarded patch of replicas to `replicas` on every Deployment of `nss`, timed. */
async function patchAll(
  nss: string[],
  replicas: number,
): Promise<{ seconds: number; listSeconds: number }> {
  const listed = performance.now();
  const raw = await listDeployments(nss);
  const start = performance.now();
  await pool(raw, concurrency, async (d) => {
    await destination.rest.request(
      "PATCH",
      `/apis/apps/v1/namespaces/${d.metadata.namespace}/deployments/${d.metadata.name}`,
      {
        body: [
          { op: "test", path: "/metadata/resourceVersion", value: d.metadata.resourceVersion },
          { op: "replace", path: "/spec/replicas", value: replicas },
        ],
        contentType: "application/json-patch+json",
      },
    );
  });
  return { seconds: seconds(performance.now() - start), listSeconds: seconds(start - listed) };
}
const directBefore = await direct("a");

// The TaskRun: from its POST until the operator reports a final phase.
const trName = `recover-${run}`;
const trPath = `${AUTOMATION}/namespaces/${mgmtNs}/taskruns/${trName}`;
const posted = Date.now();
await post(`${AUTOMATION}/namespaces/${mgmtNs}/taskruns`, {
  apiVersion: "automation.livesync.dev/v1alpha1",
  kind: "TaskRun",
  metadata: { name: trName },
  spec: { taskName: lsName },
});
const tr = await eventually(
  async () => {
    const o = await management.rest.request<TaskRunObject>("GET", trPath);
    return FINAL.includes(o.status?.phase ?? "") ? o : undefined;
  },
  { timeoutMs: 15 * 60_000, intervalMs: 100, what: `TaskRun ${trName} to finish` },
);
const done = Date.now();
const taskRunSeconds = seconds(done - posted);
const copies = await listDeployments(syncNs);
const recovered = copies.filter((d) => d.spec.replicas === 1).length;

// The same objects: the copies the TaskRun recovered (livesync's annotations, server-side
// apply managedFields), patched by the direct client from 1 to 2 replicas (the controller-
// manager again makes one Pod per Deployment). The ratio is against this one.
const directSame = await patchAll(syncNs, 2);
const directAfter = await direct("b");
const directSeconds = (directBefore.seconds + directAfter.seconds) / 2;
// Events still in flight for the last patches.
await new Promise((r) => setTimeout(r, 500));
await watch.stop();

const startTime = Date.parse(tr.status?.startTime ?? "");
const completionTime = Date.parse(tr.status?.completionTime ?? "");
const patches = patchWindow(syncNs);

await operator.stop();
for (const ns of syncNs) await deleteNamespace(source.rest, ns);
for (const ns of [...syncNs, ...rawNs, mgmtNs]) await deleteNamespace(destination.rest, ns);
source.close();
destination.close();
console.log(
  JSON.stringify(
    {
      benchmark: "recovery",
      objects,
      namespaces,
      concurrency,
      initialSyncSeconds,
      baseline: {
        what: "direct client: guarded JSON patch of replicas (resourceVersion test op), same count; mean of before and after the TaskRun",
        seconds: directSeconds,
        objectsPerSecond: objects / directSeconds,
        before: directBefore,
        after: directAfter,
      },
      taskRun: {
        what: "TaskRun CR through the in-process operator: POST until status.phase is final",
        seconds: taskRunSeconds,
        objectsPerSecond: objects / taskRunSeconds,
        phase: tr.status?.phase,
        counts: tr.status?.resources,
        failures: tr.status?.failures?.slice(0, 5),
        conditions: tr.status?.conditions,
        copies: copies.length,
        recovered,
        breakdown: {
          pickupSeconds: seconds(startTime - posted),
          runSeconds: seconds(completionTime - startTime),
          seenSeconds: seconds(done - completionTime),
          firstPatchAfterStartSeconds: seconds(patches.first - startTime),
          patchWindowSeconds: seconds(patches.last - patches.first),
          lastPatchToCompletionSeconds: seconds(completionTime - patches.last),
          patchesSeen: patches.count,
        },
      },
      operatorErrors: operatorErrors.slice(0, 10),
      sameObjects: {
        what: "direct client: the same guarded patch (replicas 1 -> 2) on the very copies the TaskRun recovered",
        ...directSame,
        objectsPerSecond: objects / directSame.seconds,
      },
      ratio: directSame.seconds / taskRunSeconds,
      ratioAgainstFreshObjects: directSeconds / taskRunSeconds,
      target: ">= 0.8",
    },
    null,
    2,
  ),
);
process.exit(recovered === objects && tr.status?.phase === "Succeeded" ? 0 : 1);
