import { createHash } from "node:crypto";
import {
  clusterKubeconfig,
  KUBECONFIG_KEY,
  namespaceOf as nsOf,
  objectKey as keyOf,
  resyncPeriodMs,
  type Bucket,
  type KubernetesCluster,
  type LiveSynchronization,
  type Secret,
} from "@livesync/api";
import type { Archiver } from "@livesync/archiver";
import { bucketClientFromSpec, bucketCredentials, type BucketClient } from "@livesync/bucket";
import type { EventBus } from "@livesync/bus";
import { EventsListener } from "@livesync/events-listener";
import { Cluster, LeaseElector } from "@livesync/kube";
import { NamespaceJanitor, Reconciler, type ReconcileReport } from "@livesync/reconciler";
import {
  SYNCHRONIZER_DURABLE,
  type NamespaceEnsurer,
  type Synchronizer,
} from "@livesync/synchronizer";
import { SettlingReconciles } from "./settle.js";

/** The documents the engine acts on, already validated. */
export interface EngineManifests {
  secrets: Secret[];
  clusters: KubernetesCluster[];
  buckets: Bucket[];
  liveSyncs: LiveSynchronization[];
}

/** What one LiveSynchronization runs from: its spec and what it references, resolved. */
interface Inputs {
  ls: LiveSynchronization;
  source?: { spec: KubernetesCluster["spec"]; kubeconfig?: string };
  destination?: { spec: KubernetesCluster["spec"]; kubeconfig?: string };
  bucket?: { spec: Bucket; secret?: Secret };
}

function resolveInputs(ls: LiveSynchronization, m: EngineManifests): Inputs {
  const ns = nsOf(ls);
  const secretOf = (name: string) => m.secrets.find((s) => keyOf(s) === `${ns}/${name}`);
  const cluster = (name: string) => {
    const kc = m.clusters.find((c) => keyOf(c) === `${ns}/${name}`);
    return kc && { spec: kc.spec, kubeconfig: clusterKubeconfig(kc, m.secrets) };
  };
  const { sourceName, destinationName, bucketName } = ls.spec.config;
  const bucket = bucketName ? m.buckets.find((b) => keyOf(b) === `${ns}/${bucketName}`) : undefined;
  return {
    ls,
    source: cluster(sourceName),
    destination: cluster(destinationName),
    bucket: bucket && { spec: bucket, secret: secretOf(bucket.spec.secretName) },
  };
}

/**
 * A digest of everything a LiveSynchronization's run depends on (its spec, the clusters and
 * bucket it names and their Secrets' data): when it changes, that run, and only that one, is
 * restarted.
 */
export function liveSyncFingerprint(ls: LiveSynchronization, m: EngineManifests): string {
  const i = resolveInputs(ls, m);
  return createHash("sha256")
    .update(
      JSON.stringify({
        uid: ls.metadata.uid,
        spec: ls.spec,
        source: i.source,
        destination: i.destination,
        bucket: i.bucket && {
          spec: i.bucket.spec.spec,
          data: i.bucket.secret?.data,
          stringData: i.bucket.secret?.stringData,
        },
      }),
    )
    .digest("hex");
}

export type Component = "events-listener" | "synchronizer" | "archiver";
export const COMPONENTS: readonly Component[] = ["events-listener", "synchronizer", "archiver"];

export interface RuntimeDeps {
  bus: EventBus;
  /** Present when this process runs the synchronizer. */
  synchronizer?: Synchronizer;
  /** Present when this process runs the archiver. */
  archiver?: Archiver;
  /** Whether this process runs the events-listener (and the reconciler, which follows it). */
  listen: boolean;
  subjectPrefix: string;
  identity: string;
  namespaces: NamespaceEnsurer;
  leaseDurationSeconds?: number;
  firstReconcileDelayMs?: number;
}

/**
 * One LiveSynchronization's run in this process: its clusters, its bucket client, its Lease
 * (the active events-listener and reconciler follow it) and its synchronizer/archiver
 * targets. Started and stopped as a unit, so a change to one LiveSynchronization never
 * restarts the others.
 */
export class LiveSyncRuntime {
  readonly key: string;
  /** Why it could not start (unreachable cluster, missing secret); empty when it runs. */
  readonly errors: string[] = [];
  bucketProblem?: string;
  listener?: EventsListener;
  lastReconcile?: ReconcileReport | { error: string };
  private elector?: LeaseElector;
  private reconciler?: Reconciler;
  private janitor?: NamespaceJanitor;
  private timers: NodeJS.Timeout[] = [];
  private settling?: SettlingReconciles;
  private readonly clusters: Cluster[] = [];
  private bucketClient?: BucketClient;

  private constructor(
    readonly liveSync: LiveSynchronization,
    readonly fingerprint: string,
    private readonly deps: RuntimeDeps,
  ) {
    this.key = keyOf(liveSync);
  }

  get suspended(): boolean {
    return this.liveSync.spec.suspend === true;
  }

  get isLeader(): boolean {
    return this.elector?.isLeader ?? false;
  }

  /** The Lease (in the destination) cannot be read or renewed: the listener stands down. */
  get leaseProblem(): string | undefined {
    return this.elector?.lastError;
  }

  /** Never throws: a run that cannot start keeps its errors for the status. */
  static async start(
    ls: LiveSynchronization,
    m: EngineManifests,
    deps: RuntimeDeps,
  ): Promise<LiveSyncRuntime> {
    const run = new LiveSyncRuntime(ls, liveSyncFingerprint(ls, m), deps);
    if (run.suspended) return run;
    try {
      await run.startParts(resolveInputs(ls, m));
    } catch (err) {
      run.errors.push((err as Error).message);
    }
    return run;
  }

  private async connect(
    role: "source" | "destination",
    name: string,
    c: Inputs["source"],
  ): Promise<Cluster> {
    const ns = nsOf(this.liveSync);
    if (!c) throw new Error(`KubernetesCluster ${ns}/${name} (${role}) not found`);
    if (c.kubeconfig === undefined) {
      throw new Error(
        `KubernetesCluster ${ns}/${name}: Secret ${ns}/${c.spec.secretName} has no key ${c.spec.secretKey ?? KUBECONFIG_KEY}`,
      );
    }
    const cluster = await Cluster.fromKubeConfigYaml(name, c.kubeconfig);
    this.clusters.push(cluster);
    return cluster;
  }

  private async startParts(i: Inputs): Promise<void> {
    const { deps, key } = this;
    const { config } = this.liveSync.spec;
    const ns = nsOf(this.liveSync);
    const destination = await this.connect("destination", config.destinationName, i.destination);
    const resources = config.replication.resources;
    deps.synchronizer?.setTarget({
      liveSync: key,
      sourceCluster: config.sourceName,
      destination,
      transformations: resources.map((r) => r.transformation?.patch),
    });
    if (deps.archiver && config.bucketName) {
      if (!i.bucket) throw new Error(`Bucket ${ns}/${config.bucketName} not found`);
      const client = bucketClientFromSpec(
        i.bucket.spec,
        bucketCredentials(i.bucket.spec, i.bucket.secret),
      );
      this.bucketClient = client;
      deps.archiver.setTarget({
        liveSync: key,
        sourceCluster: config.sourceName,
        bucket: client,
        bucketNamespace: ns,
        bucketName: config.bucketName,
      });
      client.check().then(
        () => (this.bucketProblem = undefined),
        (err: Error) => (this.bucketProblem = err.message),
      );
    }
    if (!deps.listen) return;

    const source = await this.connect("source", config.sourceName, i.source);
    const listenerConfig = {
      liveSync: key,
      source,
      resources: resources.map((r) => ({ ...r, group: r.group ?? "" })),
      subjectPrefix: deps.subjectPrefix,
    };
    const period = Math.min(resyncPeriodMs(this.liveSync.spec), 2 ** 31 - 1);
    // One active events-listener per LiveSynchronization: a Lease in the destination, in the
    // LiveSynchronization's namespace; other replicas stand by and take over on expiry.
    await deps.namespaces.ensure(destination, ns, key);
    this.elector = new LeaseElector(
      destination.rest,
      {
        namespace: ns,
        name: `livesync-listener-${this.liveSync.metadata.name}`,
        identity: deps.identity,
        durationSeconds: deps.leaseDurationSeconds,
      },
      {
        onStartedLeading: async () => {
          // Created before any await: once this process leads, reconcileNow works.
          this.reconciler = new Reconciler(deps.bus, {
            liveSync: key,
            source,
            destination,
            resources: listenerConfig.resources,
            subjectPrefix: deps.subjectPrefix,
          });
          this.janitor = new NamespaceJanitor({ liveSync: key, source, destination });
          this.janitor.start();
          const listener = new EventsListener(listenerConfig, deps.bus);
          this.listener = listener;
          await listener.start();
          // Every resyncPeriod (default 1h): additive resync (the listener re-publishes the
          // current state) and subtractive (the reconciler prunes and repairs). Passes also
          // follow shortly after start, until the copies settle: deletes missed while down
          // are found then, and so are copies that late events brought back.
          this.settling = new SettlingReconciles(
            () => this.reconcileNow(),
            () => deps.bus.pending(SYNCHRONIZER_DURABLE),
            { firstDelayMs: deps.firstReconcileDelayMs ?? 10_000 },
          );
          this.settling.start();
          const timer = setInterval(() => {
            listener.resync();
            void this.reconcileNow();
          }, period);
          timer.unref();
          this.timers = [timer];
        },
        onStoppedLeading: async () => {
          this.settling?.stop();
          for (const t of this.timers) clearTimeout(t);
          this.reconciler = undefined;
          await this.janitor?.stop();
          this.janitor = undefined;
          const listener = this.listener;
          this.listener = undefined;
          await listener?.stop();
        },
      },
    );
    this.elector.start();
  }

  /** Runs a reconcile pass now (this process must hold the LiveSynchronization's lease). */
  async reconcileNow(): Promise<ReconcileReport | undefined> {
    const reconciler = this.reconciler;
    if (!reconciler) return undefined;
    try {
      const report = await reconciler.reconcile();
      this.lastReconcile = report;
      // Namespaces whose source went while we were not watching (their copies were just pruned).
      await this.janitor?.sweep().catch(() => undefined);
      return report;
    } catch (err) {
      this.lastReconcile = { error: (err as Error).message };
      return undefined;
    }
  }

  /** Stops the listener (releasing the Lease), detaches the targets and closes the clients. */
  async stop(): Promise<void> {
    await this.elector?.stop();
    this.settling?.stop();
    for (const t of this.timers) clearTimeout(t);
    await this.deps.synchronizer?.removeTarget(this.key);
    this.deps.archiver?.removeTarget(this.key);
    for (const c of this.clusters) c.close();
    this.bucketClient?.close();
  }
}
