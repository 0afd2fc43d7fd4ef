// The operator: runs livesync from the LiveSynchronization, KubernetesCluster, Bucket, Task,
// TaskRun and Secret objects of a management cluster.
//
// - It WATCHES those kinds (informer.ts); any change triggers a pass within ~50 ms, and a
//   pass also runs every `resyncMs` (status counts, access re-checks).
// - A pass validates everything as one manifest set (desired.ts) and brings the in-process
//   engine to it: only LiveSynchronizations whose inputs changed are restarted, so
//   `spec.suspend: true` stops one within a second and the others never notice.
// - The controller duties (statuses, Tasks, TaskRuns) run in one replica: with
//   `leaderElection`, the holder of a Lease in the management cluster.
// - In a cluster each service runs in its own pod: `engineOptions.components` chooses which
//   this process runs, and `controller: false` leaves the controller duties to another pod.

import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import {
  clusterKubeconfig,
  KINDS,
  type Condition,
  type KindName,
  type LiveSynchronization,
} from "@livesync/api";
import { bucketClientFromSpec, bucketCredentials } from "@livesync/bucket";
import {
  COMPONENTS,
  Engine,
  type EngineManifests,
  type EngineOptions,
  type LiveSyncStatus,
} from "@livesync/cli";
import {
  isNotFound,
  LeaseElector,
  type Cluster,
  type Informer,
  type ResourceInfo,
} from "@livesync/kube";
import { taskFor } from "@livesync/recovery";
import { checkAccess, CachedChecks, type AccessReport, type ClusterRole } from "./access.js";
import { desiredState, digest, problemsOf, type Snapshot } from "./desired.js";
import { kindInformer } from "./informer.js";
import { condition, keyOf, mergeConditions, nsOf, objectPath, type RawObject } from "./objects.js";
import { assetStatus, liveSyncStatus, statusChanged } from "./status.js";
import { TaskRunController } from "./task-runs.js";

export const FIELD_MANAGER = "livesync-operator";
export const DEFAULT_RESYNC_MS = 5_000;
const DEBOUNCE_MS = 50;

export interface OperatorOptions {
  /** The management cluster holding the livesync objects and their Secrets. */
  management: Cluster;
  /** Only this namespace of the management cluster (default: all namespaces). */
  namespace?: string;
  /** Passed to the engine; `components: []` runs no service in this process. */
  engineOptions?: EngineOptions;
  /** Write statuses and Tasks and run TaskRuns (default true). */
  controller?: boolean;
  /** Hold this Lease (management cluster) before doing the controller duties. */
  leaderElection?: { namespace: string; name?: string; durationSeconds?: number };
  /** Period of the pass that runs even without changes (default 5 s). */
  resyncMs?: number;
  /** Called with the error of a failed pass (the next pass runs anyway). */
  onError?: (err: Error) => void;
  /** Objects a TaskRun recovers at once (default 16). */
  recoveryConcurrency?: number;
}

const WATCHED: { kind: KindName | "Secret"; field: keyof Snapshot }[] = [
  { kind: "LiveSynchronization", field: "liveSyncs" },
  { kind: "KubernetesCluster", field: "clusters" },
  { kind: "Bucket", field: "buckets" },
  { kind: "TaskRun", field: "taskRuns" },
  { kind: "Task", field: "tasks" },
  { kind: "Secret", field: "secrets" },
];

function infoOf(kind: KindName | "Secret"): ResourceInfo {
  if (kind === "Secret")
    return { group: "", version: "v1", resource: "secrets", kind, namespaced: true, verbs: [] };
  const k = KINDS[kind];
  return {
    group: k.group,
    version: k.version,
    resource: k.plural,
    kind,
    namespaced: true,
    verbs: [],
  };
}

export class Operator {
  private readonly informers = new Map<keyof Snapshot, Informer<RawObject>>();
  private readonly checks: CachedChecks;
  private readonly taskRuns: TaskRunController;
  private engine: Engine | undefined;
  private elector: LeaseElector | undefined;
  private stopped = false;
  private debounce: NodeJS.Timeout | undefined;
  private resync: NodeJS.Timeout | undefined;
  private running: Promise<void> = Promise.resolve();
  private dirty = false;

  private constructor(private readonly opts: OperatorOptions) {
    this.checks = new CachedChecks(() => this.trigger());
    this.taskRuns = new TaskRunController({
      rest: opts.management.rest,
      awaitSuspended: (key) => this.awaitSuspended(key),
      onError: (err) => this.opts.onError?.(err),
      concurrency: opts.recoveryConcurrency,
    });
  }

  /** Resolves after the first pass: the engine runs what the management cluster holds. */
  static async start(opts: OperatorOptions): Promise<Operator> {
    const op = new Operator(opts);
    const components = opts.engineOptions?.components ?? COMPONENTS;
    if (components.length > 0)
      op.engine = await Engine.start(
        { secrets: [], clusters: [], buckets: [], liveSyncs: [] },
        opts.engineOptions,
      );
    for (const { kind, field } of WATCHED) {
      const informer = kindInformer(opts.management.rest, infoOf(kind), opts.namespace, () =>
        op.trigger(),
      );
      op.informers.set(field, informer);
      informer.start();
    }
    if (opts.leaderElection) {
      const le = opts.leaderElection;
      op.elector = new LeaseElector(
        opts.management.rest,
        {
          namespace: le.namespace,
          name: le.name ?? "livesync-operator",
          identity: `${hostname()}-${process.pid}-${randomBytes(3).toString("hex")}`,
          durationSeconds: le.durationSeconds,
        },
        { onStartedLeading: () => op.trigger(), onStoppedLeading: () => undefined },
      );
      op.elector.start();
    }
    while (![...op.informers.values()].every((i) => i.hasSynced)) {
      if (op.stopped) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    await op.passNow();
    op.scheduleResync();
    return op;
  }

  /** The engine of this process (undefined when it runs no service). */
  get currentEngine(): Engine | undefined {
    return this.engine;
  }

  /** Whether this process does the controller duties now. */
  get isController(): boolean {
    return this.opts.controller !== false && (!this.elector || this.elector.isLeader);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.debounce);
    clearTimeout(this.resync);
    await Promise.all([...this.informers.values()].map((i) => i.stop()));
    await this.running;
    await this.taskRuns.stop();
    await this.elector?.stop();
    await this.engine?.stop();
    this.engine = undefined;
  }

  private trigger(): void {
    if (this.stopped) return;
    clearTimeout(this.debounce);
    this.debounce = setTimeout(() => void this.passNow(), DEBOUNCE_MS);
  }

  private scheduleResync(): void {
    if (this.stopped) return;
    this.resync = setTimeout(() => {
      void this.passNow().finally(() => this.scheduleResync());
    }, this.opts.resyncMs ?? DEFAULT_RESYNC_MS);
  }

  /** One pass at a time; a change during a pass runs another right after. */
  private passNow(): Promise<void> {
    if (this.dirty) return this.running;
    this.dirty = true;
    this.running = this.running.then(async () => {
      this.dirty = false;
      if (this.stopped) return;
      try {
        await this.pass();
      } catch (err) {
        this.opts.onError?.(err as Error);
      }
    });
    return this.running;
  }

  private snapshot(): Snapshot {
    const items = (f: keyof Snapshot) => this.informers.get(f)?.list() ?? [];
    return {
      liveSyncs: items("liveSyncs"),
      clusters: items("clusters"),
      buckets: items("buckets"),
      taskRuns: items("taskRuns"),
      tasks: items("tasks"),
      secrets: items("secrets"),
    };
  }

  private async pass(): Promise<void> {
    const snap = this.snapshot();
    const { manifests, problems } = desiredState(snap);
    const controller = this.isController;
    // TaskRuns first: the LiveSynchronizations they suspend come back through the watch.
    if (controller) await this.taskRuns.sync(snap.taskRuns, snap.liveSyncs, manifests);
    await this.engine?.apply(manifests);
    if (!controller) return this.writeCounts(snap);
    await this.upkeepTasks(manifests.liveSyncs, snap.tasks);
    await this.writeStatuses(snap, problems, manifests);
  }

  /** Resolves once this LiveSynchronization stopped replicating (suspend applied). */
  private async awaitSuspended(key: string): Promise<void> {
    // The watch brings the suspension back to a pass, which stops the run; wait for that.
    for (let waited = 0; waited < 60_000; waited += 25) {
      if (this.stopped) return;
      const ls = this.informers
        .get("liveSyncs")
        ?.list()
        .find((o) => keyOf(o) === key);
      const suspendedInSpec = (ls?.spec as { suspend?: boolean } | undefined)?.suspend === true;
      if (suspendedInSpec) {
        // Other pods run the listeners: they react to the same watch event within ~100 ms.
        if (!this.engine) return void (await new Promise((r) => setTimeout(r, 2_000)));
        const s = (await this.engine.status()).find((x) => x.liveSync === key);
        if (!s || s.state === "suspended") return;
      }
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new Error(`LiveSynchronization ${key} was not suspended within 60 s`);
  }

  private patchStatus(kind: KindName, o: RawObject, status: Record<string, unknown>) {
    return this.opts.management.rest
      .request("PATCH", `${objectPath(kind, nsOf(o), o.metadata.name)}/status`, {
        body: { status },
        contentType: "application/merge-patch+json",
      })
      .catch((err: Error) => {
        if (!isNotFound(err)) this.opts.onError?.(err);
      });
  }

  /**
   * The Task of each valid LiveSynchronization: applied when missing or when its spec differs
   * from what the LiveSynchronization implies (edited by hand, or the LiveSynchronization
   * changed), with a Ready condition saying where it comes from.
   */
  private async upkeepTasks(liveSyncs: LiveSynchronization[], tasks: RawObject[]): Promise<void> {
    await Promise.all(
      liveSyncs.map(async (ls) => {
        const task = taskFor(ls);
        const existing = tasks.find((t) => keyOf(t) === keyOf(ls));
        const upToDate =
          existing &&
          digest(existing.spec) === digest(task.spec) &&
          (existing.status?.conditions as Condition[] | undefined)?.find((c) => c.type === "Ready")
            ?.observedGeneration === existing.metadata.generation;
        if (upToDate) return;
        try {
          const written = await this.opts.management.rest.request<RawObject>(
            "PATCH",
            objectPath("Task", nsOf(ls), ls.metadata.name),
            {
              query: { fieldManager: FIELD_MANAGER, force: true },
              body: task,
              contentType: "application/apply-patch+yaml",
            },
          );
          const gen = written.metadata.generation;
          // The Task's status schema has conditions only (observedGeneration inside them).
          await this.patchStatus("Task", written, {
            conditions: mergeConditions(written.status?.conditions, [
              condition(
                "Ready",
                true,
                "Generated",
                `generated from LiveSynchronization ${keyOf(ls)} (generation ${ls.metadata.generation ?? "?"})`,
                gen,
              ),
            ]),
          });
        } catch (err) {
          this.opts.onError?.(err as Error);
        }
      }),
    );
  }

  /** Access of one cluster for one role (cached; undefined until checked). */
  private access(
    ns: string,
    name: string,
    role: ClusterRole,
    resources: LiveSynchronization["spec"]["config"]["replication"]["resources"],
    m: EngineManifests,
  ): AccessReport | undefined {
    const kc = m.clusters.find((c) => keyOf(c) === `${ns}/${name}`);
    if (!kc) return undefined;
    const kubeconfig = clusterKubeconfig(kc, m.secrets);
    if (kubeconfig === undefined) return undefined;
    const gvrs = resources.map((r) => ({
      group: r.group ?? "",
      version: r.version,
      resource: r.resource,
    }));
    return this.checks.get({ kubeconfig, role, gvrs }, () =>
      checkAccess(name, kubeconfig, role, gvrs),
    );
  }

  private async writeStatuses(
    snap: Snapshot,
    problems: ReturnType<typeof desiredState>["problems"],
    m: EngineManifests,
  ): Promise<void> {
    const engine = new Map<string, LiveSyncStatus>(
      ((await this.engine?.status()) ?? []).map((s) => [s.liveSync, s]),
    );
    const writes: Promise<unknown>[] = [];
    const write = (kind: KindName, o: RawObject, status: Record<string, unknown>) => {
      if (statusChanged(o.status, status)) writes.push(this.patchStatus(kind, o, status));
    };
    const valid = new Set(m.liveSyncs.map((ls) => keyOf(ls)));

    for (const o of snap.liveSyncs) {
      const ls = m.liveSyncs.find((x) => keyOf(x) === keyOf(o));
      const cfg = ls?.spec.config;
      const resources = cfg?.replication.resources ?? [];
      const ns = nsOf(o);
      write(
        "LiveSynchronization",
        o,
        liveSyncStatus(o, {
          invalid: valid.has(keyOf(o)) ? [] : problemsOf(problems, "LiveSynchronization", o),
          source: cfg && {
            name: cfg.sourceName,
            access: this.access(ns, cfg.sourceName, "source", resources, m),
          },
          destination: cfg && {
            name: cfg.destinationName,
            access: this.access(ns, cfg.destinationName, "destination", resources, m),
          },
          engine: engine.get(keyOf(o)),
          engineLocal: this.engine !== undefined,
        }),
      );
    }

    for (const o of snap.clusters) {
      const access = this.access(nsOf(o), o.metadata.name, "source", [], m);
      write(
        "KubernetesCluster",
        o,
        assetStatus(
          o,
          problemsOf(problems, "KubernetesCluster", o),
          access && {
            error: access.unreachable,
            reason: access.reason,
            detail: `reachable, Kubernetes ${access.version ?? "(version unknown)"}`,
          },
        ),
      );
    }
    for (const o of snap.buckets) {
      const b = m.buckets.find((x) => keyOf(x) === keyOf(o));
      const secret = b && m.secrets.find((s) => keyOf(s) === `${nsOf(o)}/${b.spec.secretName}`);
      const reach =
        b &&
        this.checks.get(
          { bucket: b.spec, secret: secret?.data ?? secret?.stringData },
          async () => {
            const client = bucketClientFromSpec(b, bucketCredentials(b, secret));
            try {
              await client.check();
              return { detail: "reachable with the Secret's credentials" };
            } catch (err) {
              return { error: (err as Error).message };
            } finally {
              client.close();
            }
          },
        );
      write("Bucket", o, assetStatus(o, problemsOf(problems, "Bucket", o), reach));
    }
    await Promise.all(writes);
  }

  /** Without the controller duties, a synchronizer pod still reports its counts. */
  private async writeCounts(snap: Snapshot): Promise<void> {
    if (!this.engine?.synchronizer || this.opts.controller !== false) return;
    const engine = await this.engine.status();
    await Promise.all(
      snap.liveSyncs.map((o) => {
        const s = engine.find((x) => x.liveSync === keyOf(o));
        if (!s) return;
        const counts = { synced: s.synced, failed: s.failed };
        if (statusChanged(o.status, counts))
          return this.patchStatus("LiveSynchronization", o, counts);
      }),
    );
  }
}
