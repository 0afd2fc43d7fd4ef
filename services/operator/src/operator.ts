// The operator (first slice): runs livesync from the LiveSynchronization, KubernetesCluster,
// Bucket, Task, TaskRun and Secret objects of a management cluster.
//
// - It POLLS (every `pollMs`, default 2 s) rather than watching: each pass lists the objects
//   over raw REST, validates them as a manifest set (validateManifestSet) and acts.
// - The services run in-process in one Engine (@livesync/cli). When the fingerprint of what the
//   engine runs (the specs and generations of the valid objects and the data of the Secrets they
//   reference) changes, the running Engine is stopped and a new one started in the same process.
//   No process restart, but every LiveSynchronization restarts (listeners relist).
// - Status: LiveSynchronization (Ready, Suspended, observedGeneration, synced, failed),
//   KubernetesCluster and Bucket (Ready), TaskRun (phase, times, counts, failures).
// - A Task per valid LiveSynchronization is server-side applied (taskFor).
// - A TaskRun without status.phase is run once: Running, suspend the LiveSynchronization
//   (unless spec.suspendLiveSynchronization is false), runRecovery against its destination,
//   then the final phase. A TaskRun with a phase is never run again (also not after a restart
//   of the operator that left it Running).

import { createHash } from "node:crypto";
import {
  KINDS,
  validateManifestSet,
  type Bucket,
  type Condition,
  type KindName,
  type LiveSynchronization,
  type ManifestDoc,
  type ManifestProblem,
  type Secret,
  type Task,
  type TaskRun,
  type TaskRunStatus,
} from "@livesync/api";
import { bucketClientFromSpec, bucketCredentials } from "@livesync/bucket";
import {
  Engine,
  type EngineManifests,
  type EngineOptions,
  type LiveSyncStatus,
} from "@livesync/cli";
import { Cluster, isNotFound } from "@livesync/kube";
import { runRecovery, taskFor, type RecoveryBucket } from "@livesync/recovery";

export const FIELD_MANAGER = "livesync-operator";
export const DEFAULT_POLL_MS = 2000;

export interface OperatorOptions {
  /** The management cluster holding the livesync objects and their Secrets. */
  management: Cluster;
  /** Period of the list-and-reconcile pass (default 2000 ms). */
  pollMs?: number;
  /** Passed to Engine.start. */
  engineOptions?: EngineOptions;
  /** Only this namespace of the management cluster (default: all namespaces). */
  namespace?: string;
  /** Called with the error of a failed pass (the next pass runs anyway). */
  onError?: (err: Error) => void;
}

interface Meta {
  name: string;
  namespace?: string;
  uid?: string;
  generation?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  resourceVersion?: string;
}
interface RawObject {
  apiVersion?: string;
  kind?: string;
  metadata: Meta;
  spec?: unknown;
  status?: Record<string, unknown>;
  data?: Record<string, string>;
  stringData?: Record<string, string>;
  type?: string;
}

const nsOf = (o: { metadata: { namespace?: string } }) => o.metadata.namespace || "default";
const keyOf = (o: { metadata: { name: string; namespace?: string } }) =>
  `${nsOf(o)}/${o.metadata.name}`;
const sourceOf = (kind: string, o: { metadata: { name: string; namespace?: string } }) =>
  `${kind}/${nsOf(o)}/${o.metadata.name}`;

function basePath(kind: KindName, namespace?: string): string {
  const k = KINDS[kind];
  const ns = namespace ? `/namespaces/${namespace}` : "";
  return `/apis/${k.group}/${k.version}${ns}/${k.plural}`;
}
const objectPath = (kind: KindName, namespace: string, name: string) =>
  `${basePath(kind, namespace)}/${name}`;

/** What validation needs: the apiserver's bookkeeping (managedFields, status, ...) removed. */
function forValidation(o: RawObject, apiVersion: string, kind: string): unknown {
  const { name, namespace, uid, generation, labels, annotations } = o.metadata;
  return {
    apiVersion,
    kind,
    metadata: {
      name,
      namespace,
      ...(uid ? { uid } : {}),
      ...(generation !== undefined ? { generation } : {}),
      ...(labels ? { labels } : {}),
      ...(annotations ? { annotations } : {}),
    },
    spec: o.spec,
  };
}

function secretValue(secret: Secret | undefined, key: string): string | undefined {
  if (!secret) return undefined;
  const s = secret.stringData?.[key];
  if (s !== undefined) return s;
  const d = secret.data?.[key];
  return d === undefined ? undefined : Buffer.from(d, "base64").toString();
}

/** Keeps lastTransitionTime when a condition's status did not change. */
function mergeConditions(previous: Condition[] | undefined, next: Condition[]): Condition[] {
  return next.map((c) => {
    const old = previous?.find((p) => p.type === c.type);
    return old && old.status === c.status
      ? { ...c, lastTransitionTime: old.lastTransitionTime }
      : c;
  });
}

const condition = (
  type: string,
  ok: boolean,
  reason: string,
  message: string,
  observedGeneration?: number,
): Condition => ({
  type,
  status: ok ? "True" : "False",
  reason,
  message,
  lastTransitionTime: new Date().toISOString(),
  ...(observedGeneration !== undefined ? { observedGeneration } : {}),
});

const problemText = (p: ManifestProblem) => (p.path ? `${p.path}: ${p.message}` : p.message);

interface Snapshot {
  liveSyncs: RawObject[];
  clusters: RawObject[];
  buckets: RawObject[];
  taskRuns: RawObject[];
  secrets: RawObject[];
}

export class Operator {
  private engine: Engine | undefined;
  private fingerprint: string | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private pass: Promise<void> = Promise.resolve();
  private readonly runs = new Map<string, Promise<void>>();

  private constructor(private readonly opts: OperatorOptions) {}

  static async start(opts: OperatorOptions): Promise<Operator> {
    const op = new Operator(opts);
    op.pass = op.runPass();
    await op.pass;
    return op;
  }

  /** The running engine (undefined before the first pass or when nothing is valid). */
  get currentEngine(): Engine | undefined {
    return this.engine;
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.pass = this.runPass();
    }, this.opts.pollMs ?? DEFAULT_POLL_MS);
  }

  private async runPass(): Promise<void> {
    try {
      await this.reconcile();
    } catch (err) {
      this.opts.onError?.(err as Error);
    } finally {
      this.schedule();
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.pass;
    clearTimeout(this.timer);
    await Promise.allSettled(this.runs.values());
    await this.engine?.stop();
    this.engine = undefined;
  }

  private get rest() {
    return this.opts.management.rest;
  }

  private async list(path: string): Promise<RawObject[]> {
    try {
      return (await this.rest.request<{ items: RawObject[] }>("GET", path)).items;
    } catch (err) {
      // A CRD not installed (yet): nothing of that kind.
      if (isNotFound(err)) return [];
      throw err;
    }
  }

  private async snapshot(): Promise<Snapshot> {
    const ns = this.opts.namespace;
    const [liveSyncs, clusters, buckets, taskRuns, secrets] = await Promise.all([
      this.list(basePath("LiveSynchronization", ns)),
      this.list(basePath("KubernetesCluster", ns)),
      this.list(basePath("Bucket", ns)),
      this.list(basePath("TaskRun", ns)),
      this.list(ns ? `/api/v1/namespaces/${ns}/secrets` : "/api/v1/secrets"),
    ]);
    return { liveSyncs, clusters, buckets, taskRuns, secrets };
  }

  private async reconcile(): Promise<void> {
    let snap = await this.snapshot();
    // TaskRuns first: a LiveSynchronization they suspend is stopped before recovery starts.
    const started = await this.startTaskRuns(snap);
    if (started.some((s) => s.suspended)) snap = await this.snapshot();

    const { manifests, problems, fingerprint } = this.validate(snap);
    if (fingerprint !== this.fingerprint) {
      const old = this.engine;
      this.engine = undefined;
      await old?.stop();
      this.engine = await Engine.start(manifests, this.opts.engineOptions);
      this.fingerprint = fingerprint;
    }

    for (const s of started) {
      const run = this.runTaskRun(s.taskRun, s.liveSync, manifests)
        .catch((err: Error) => this.opts.onError?.(err))
        .finally(() => this.runs.delete(keyOf(s.taskRun)));
      this.runs.set(keyOf(s.taskRun), run);
    }

    await this.upkeepTasks(manifests.liveSyncs);
    await this.writeStatuses(snap, problems, manifests);
  }

  private validate(snap: Snapshot): {
    manifests: EngineManifests;
    problems: ManifestProblem[];
    fingerprint: string;
  } {
    // Secrets only from namespaces holding livesync objects: the references resolve there.
    const namespaces = new Set(
      [...snap.liveSyncs, ...snap.clusters, ...snap.buckets].map((o) => nsOf(o)),
    );
    const secrets = snap.secrets
      .filter((s) => namespaces.has(nsOf(s)))
      .map((s) => ({
        apiVersion: "v1",
        kind: "Secret",
        metadata: { name: s.metadata.name, namespace: nsOf(s) },
        ...(s.data ? { data: s.data } : {}),
        ...(s.stringData ? { stringData: s.stringData } : {}),
      }));
    const docs: ManifestDoc[] = [
      ...snap.clusters.map((o) => ({
        source: sourceOf("KubernetesCluster", o),
        index: 0,
        doc: forValidation(o, "assets.livesync.dev/v1alpha1", "KubernetesCluster"),
      })),
      ...snap.buckets.map((o) => ({
        source: sourceOf("Bucket", o),
        index: 0,
        doc: forValidation(o, "assets.livesync.dev/v1alpha1", "Bucket"),
      })),
      ...snap.liveSyncs.map((o) => ({
        source: sourceOf("LiveSynchronization", o),
        index: 0,
        doc: forValidation(o, "automation.livesync.dev/v1alpha1", "LiveSynchronization"),
      })),
      ...secrets.map((s) => ({ source: sourceOf("Secret", s), index: 0, doc: s })),
    ];
    const result = validateManifestSet(docs);
    const invalid = new Set(result.problems.map((p) => p.source));
    const valid = <T extends { metadata: { name: string; namespace?: string } }>(
      kind: string,
      items: T[],
    ) => items.filter((o) => !invalid.has(sourceOf(kind, o)));
    const manifests: EngineManifests = {
      secrets: result.objects.Secret,
      clusters: valid("KubernetesCluster", result.objects.KubernetesCluster),
      buckets: valid("Bucket", result.objects.Bucket),
      liveSyncs: valid("LiveSynchronization", result.objects.LiveSynchronization),
    };
    // The engine's inputs: specs and generations, and the data of the Secrets referenced.
    const referenced = new Set(
      [...manifests.clusters, ...manifests.buckets].map((o) => `${nsOf(o)}/${o.spec.secretName}`),
    );
    const spec = (o: { metadata: Meta; spec: unknown }) => ({
      key: keyOf(o),
      uid: o.metadata.uid,
      generation: o.metadata.generation,
      spec: o.spec,
    });
    const fingerprint = createHash("sha256")
      .update(
        JSON.stringify({
          clusters: manifests.clusters.map(spec),
          buckets: manifests.buckets.map(spec),
          liveSyncs: manifests.liveSyncs.map(spec),
          secrets: manifests.secrets
            .filter((s) => referenced.has(keyOf(s)))
            .map((s) => ({ key: keyOf(s), data: s.data, stringData: s.stringData })),
        }),
      )
      .digest("hex");
    return { manifests, problems: result.problems, fingerprint };
  }

  private async patchStatus(
    kind: KindName,
    o: RawObject,
    status: Record<string, unknown>,
  ): Promise<void> {
    await this.rest.request("PATCH", `${objectPath(kind, nsOf(o), o.metadata.name)}/status`, {
      body: { status },
      contentType: "application/merge-patch+json",
    });
  }

  private async writeStatuses(
    snap: Snapshot,
    problems: ManifestProblem[],
    manifests: EngineManifests,
  ): Promise<void> {
    const problemsOf = (kind: string, o: RawObject) =>
      problems.filter((p) => p.source === sourceOf(kind, o)).map(problemText);
    const engineStatus = new Map<string, LiveSyncStatus>(
      ((await this.engine?.status()) ?? []).map((s) => [s.liveSync, s]),
    );
    const writes: Promise<void>[] = [];
    const write = (kind: KindName, o: RawObject, status: Record<string, unknown>) => {
      // Unchanged status (ignoring lastTransitionTime, which mergeConditions kept): no write.
      const current = o.status ?? {};
      const changed = Object.entries(status).some(
        ([k, v]) => JSON.stringify(current[k]) !== JSON.stringify(v),
      );
      if (changed)
        writes.push(
          this.patchStatus(kind, o, status).catch((err: Error) => {
            if (!isNotFound(err)) this.opts.onError?.(err);
          }),
        );
    };

    for (const o of snap.liveSyncs) {
      const gen = o.metadata.generation;
      const spec = o.spec as Partial<LiveSynchronization["spec"]> | undefined;
      const invalid = problemsOf("LiveSynchronization", o);
      const s = engineStatus.get(keyOf(o));
      let ready: Condition;
      if (invalid.length) ready = condition("Ready", false, "InvalidSpec", invalid.join("; "), gen);
      else if (!s) ready = condition("Ready", false, "Pending", "not started yet", gen);
      else if (s.state === "suspended")
        ready = condition("Ready", false, "Suspended", "spec.suspend is true", gen);
      else if ((s.state === "running" || s.state === "standby") && s.problems.length === 0)
        ready = condition(
          "Ready",
          true,
          "Replicating",
          s.state === "running" ? "replicating" : "standby: another replica holds the lease",
          gen,
        );
      else
        ready = condition(
          "Ready",
          false,
          "Degraded",
          s.problems.join("; ") || `state ${s.state}`,
          gen,
        );
      const suspended = spec?.suspend === true;
      const conditions = mergeConditions(o.status?.conditions as Condition[] | undefined, [
        ready,
        condition(
          "Suspended",
          suspended,
          suspended ? "Suspended" : "NotSuspended",
          suspended ? "spec.suspend is true" : "spec.suspend is false",
          gen,
        ),
      ]);
      write("LiveSynchronization", o, {
        ...(gen !== undefined ? { observedGeneration: gen } : {}),
        conditions,
        synced: s?.synced ?? 0,
        failed: s?.failed ?? 0,
      });
    }

    const validKeys = new Set(
      [...manifests.clusters, ...manifests.buckets].map((o) => `${o.kind}/${keyOf(o)}`),
    );
    for (const [kind, items] of [
      ["KubernetesCluster", snap.clusters],
      ["Bucket", snap.buckets],
    ] as const) {
      for (const o of items) {
        const gen = o.metadata.generation;
        const invalid = problemsOf(kind, o);
        const ok = invalid.length === 0 && validKeys.has(`${kind}/${keyOf(o)}`);
        const ready = ok
          ? condition("Ready", true, "Valid", "the spec and its Secret are valid", gen)
          : condition("Ready", false, "InvalidSpec", invalid.join("; ") || "invalid", gen);
        write(kind, o, {
          ...(gen !== undefined ? { observedGeneration: gen } : {}),
          conditions: mergeConditions(o.status?.conditions as Condition[] | undefined, [ready]),
        });
      }
    }
    await Promise.all(writes);
  }

  private async upkeepTasks(liveSyncs: LiveSynchronization[]): Promise<void> {
    await Promise.all(
      liveSyncs.map(async (ls) => {
        const task = taskFor(ls);
        await this.rest
          .request("PATCH", objectPath("Task", nsOf(ls), ls.metadata.name), {
            query: { fieldManager: FIELD_MANAGER, force: true },
            body: task,
            contentType: "application/apply-patch+yaml",
          })
          .catch((err: Error) => this.opts.onError?.(err));
      }),
    );
  }

  /** Marks new TaskRuns Running and suspends their LiveSynchronization. */
  private async startTaskRuns(
    snap: Snapshot,
  ): Promise<{ taskRun: RawObject; liveSync: RawObject | undefined; suspended: boolean }[]> {
    const out: { taskRun: RawObject; liveSync: RawObject | undefined; suspended: boolean }[] = [];
    for (const tr of snap.taskRuns) {
      if (tr.status?.phase || this.runs.has(keyOf(tr))) continue;
      const spec = (tr.spec ?? {}) as Partial<TaskRun["spec"]>;
      // Task name = LiveSynchronization name, same namespace (taskFor).
      const ls = snap.liveSyncs.find(
        (l) => nsOf(l) === nsOf(tr) && l.metadata.name === spec.taskName,
      );
      await this.patchStatus("TaskRun", tr, {
        phase: "Running",
        startTime: new Date().toISOString(),
      });
      let suspended = false;
      if (
        ls &&
        spec.suspendLiveSynchronization !== false &&
        !(ls.spec as { suspend?: boolean })?.suspend
      ) {
        await this.rest.request(
          "PATCH",
          objectPath("LiveSynchronization", nsOf(ls), ls.metadata.name),
          {
            body: { spec: { suspend: true } },
            contentType: "application/merge-patch+json",
          },
        );
        suspended = true;
      }
      out.push({ taskRun: tr, liveSync: ls, suspended });
    }
    return out;
  }

  private async runTaskRun(
    tr: RawObject,
    ls: RawObject | undefined,
    manifests: EngineManifests,
  ): Promise<void> {
    const spec = (tr.spec ?? {}) as Partial<TaskRun["spec"]>;
    const fail = (message: string) =>
      this.patchStatus("TaskRun", tr, {
        phase: "Failed",
        completionTime: new Date().toISOString(),
        conditions: [condition("Succeeded", false, "Failed", message)],
      });
    if (!ls) return fail(`LiveSynchronization "${spec.taskName}" (owner of the Task) not found`);
    const ns = nsOf(tr);
    let task: Task;
    try {
      task = await this.rest.request<Task>("GET", objectPath("Task", ns, spec.taskName!));
    } catch (err) {
      if (!isNotFound(err)) throw err;
      return fail(`Task "${spec.taskName}" not found in namespace "${ns}"`);
    }
    const lsSpec = ls.spec as LiveSynchronization["spec"];
    const kc = manifests.clusters.find(
      (c) => keyOf(c) === `${ns}/${lsSpec.config.destinationName}`,
    );
    if (!kc)
      return fail(`KubernetesCluster "${lsSpec.config.destinationName}" not found or invalid`);
    const secretOf = (name: string) => manifests.secrets.find((s) => keyOf(s) === `${ns}/${name}`);
    const kubeconfig = secretValue(
      secretOf(kc.spec.secretName),
      kc.spec.secretKey ?? "kubeconfig.yaml",
    );
    if (kubeconfig === undefined)
      return fail(`KubernetesCluster "${kc.metadata.name}": Secret has no kubeconfig`);

    let bucket: RecoveryBucket | undefined;
    const cleanups: (() => void)[] = [];
    try {
      const destination = await Cluster.fromKubeConfigYaml(kc.metadata.name, kubeconfig);
      cleanups.push(() => destination.close());
      if (lsSpec.config.bucketName) {
        const b: Bucket | undefined = manifests.buckets.find(
          (x) => keyOf(x) === `${ns}/${lsSpec.config.bucketName}`,
        );
        if (!b) return await fail(`Bucket "${lsSpec.config.bucketName}" not found or invalid`);
        const client = bucketClientFromSpec(b, bucketCredentials(b, secretOf(b.spec.secretName)));
        cleanups.push(() => client.close());
        bucket = { client, bucketNamespace: ns, bucketName: b.metadata.name };
      }
      const result = await runRecovery({
        task,
        liveSync: keyOf(ls),
        destination,
        bucket,
        dryRun: spec.dryRun ?? false,
      });
      const status: TaskRunStatus = {
        phase: result.phase,
        completionTime: new Date().toISOString(),
        resources: result.resources,
        failures: result.failures,
      };
      await this.patchStatus("TaskRun", tr, status as Record<string, unknown>);
    } catch (err) {
      await fail((err as Error).message);
    } finally {
      for (const c of cleanups) c();
    }
  }
}
