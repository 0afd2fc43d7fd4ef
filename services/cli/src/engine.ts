import { InProcessBus, JetStreamBus, type EventBus } from "@livesync/bus";
import {
  resyncPeriodMs,
  type Bucket,
  type KubernetesCluster,
  type LiveSynchronization,
  type Secret,
} from "@livesync/api";
import { EventsListener } from "@livesync/events-listener";
import { hostname } from "node:os";
import { randomBytes } from "node:crypto";
import { Cluster, LeaseElector } from "@livesync/kube";
import { Archiver, ARCHIVER_DURABLE } from "@livesync/archiver";
import { bucketClientFromSpec, bucketCredentials, type BucketClient } from "@livesync/bucket";
import { Reconciler, type ReconcileReport } from "@livesync/reconciler";
import {
  FIELD_MANAGER,
  NamespaceEnsurer,
  SYNCHRONIZER_DURABLE,
  Synchronizer,
} from "@livesync/synchronizer";

/** The documents `livesync run` acts on, already validated. */
export interface EngineManifests {
  secrets: Secret[];
  clusters: KubernetesCluster[];
  buckets: Bucket[];
  liveSyncs: LiveSynchronization[];
}

export interface LiveSyncStatus {
  liveSync: string;
  /** running: this process's listener is active; standby: another replica holds the lease. */
  state: "running" | "standby" | "suspended" | "error";
  synced: number;
  pending: number;
  failed: number;
  conflicts: number;
  lagMs?: number;
  /** Originals stored in the bucket (when spec.config.bucketName is set). */
  archived?: number;
  lastReconcile?: ReconcileReport;
  problems: string[];
}

export interface EngineOptions {
  /** NATS with JetStream; without it an in-process bus is used. */
  natsUrl?: string;
  /** JetStream stream name (default LIVESYNC_EVENTS). */
  stream?: string;
  /** Seconds before a standby events-listener takes over from a silent one (default 15). */
  leaseDurationSeconds?: number;
  /** Delay of the first reconcile pass after this process starts leading (default 10 s). */
  firstReconcileDelayMs?: number;
  /** Events the synchronizer applies at once (default 32). */
  syncConcurrency?: number;
}

const nsOf = (o: { metadata: { namespace?: string } }) => o.metadata.namespace ?? "default";
const keyOf = (o: { metadata: { name: string; namespace?: string } }) =>
  `${nsOf(o)}/${o.metadata.name}`;

/**
 * Every service in one process: one events-listener per LiveSynchronization and one
 * synchronizer, sharing a bus (JetStream when a URL is given, otherwise in-process).
 * A LiveSynchronization that cannot start (unreachable cluster, missing secret) is reported in
 * its status; the others run.
 */
export class Engine {
  private readonly listeners = new Map<string, EventsListener>();
  private readonly errors = new Map<string, string[]>();
  private readonly clusters = new Map<string, Cluster>();
  private readonly suspended = new Set<string>();
  private readonly resyncTimers = new Map<string, NodeJS.Timeout[]>();
  private readonly reconcilers = new Map<string, Reconciler>();
  private readonly buckets = new Map<string, BucketClient>();
  /** Bucket problems do not stop replication: events wait in the stream and are reported. */
  private readonly bucketProblems = new Map<string, string>();
  readonly archiver: Archiver;
  private readonly reconcileReports = new Map<string, ReconcileReport | { error: string }>();
  private readonly electors = new Map<string, LeaseElector>();
  /** The LiveSynchronization's namespace in the destination holds its Lease. */
  private readonly namespaces = new NamespaceEnsurer(FIELD_MANAGER);
  private readonly identity = `${hostname()}-${process.pid}-${randomBytes(3).toString("hex")}`;

  private constructor(
    readonly bus: EventBus,
    readonly synchronizer: Synchronizer,
    private readonly subjectPrefix: string,
    private readonly opts: EngineOptions,
  ) {
    // Always running: events of LiveSynchronizations without a bucket are acknowledged and ignored.
    this.archiver = new Archiver(bus);
  }

  static async start(manifests: EngineManifests, opts: EngineOptions = {}): Promise<Engine> {
    // A separate stream (and subject space) per name lets several engines share one NATS.
    const stream = opts.stream ?? "LIVESYNC_EVENTS";
    const subjectPrefix = opts.stream ? `livesync.${opts.stream.toLowerCase()}` : "livesync.events";
    const bus = opts.natsUrl
      ? await JetStreamBus.connect({ url: opts.natsUrl, stream, subjects: [`${subjectPrefix}.>`] })
      : new InProcessBus();
    // The durable consumer exists before anything is published, so nothing is missed.
    await bus.ensureConsumer(SYNCHRONIZER_DURABLE);
    await bus.ensureConsumer(ARCHIVER_DURABLE);
    const engine = new Engine(
      bus,
      new Synchronizer(bus, { concurrency: opts.syncConcurrency }),
      subjectPrefix,
      opts,
    );
    for (const ls of manifests.liveSyncs) await engine.startLiveSync(ls, manifests);
    await engine.synchronizer.start();
    await engine.archiver.start();
    return engine;
  }

  private async startLiveSync(ls: LiveSynchronization, m: EngineManifests): Promise<void> {
    const key = keyOf(ls);
    if (ls.spec.suspend) {
      this.suspended.add(key);
      return;
    }
    try {
      const { config } = ls.spec;
      const source = await this.cluster(nsOf(ls), config.sourceName, m);
      const destination = await this.cluster(nsOf(ls), config.destinationName, m);
      const resources = config.replication.resources;
      this.synchronizer.setTarget({
        liveSync: key,
        sourceCluster: config.sourceName,
        destination,
        transformations: resources.map((r) => r.transformation?.patch),
      });
      if (config.bucketName) this.archiveTo(key, nsOf(ls), config.bucketName, config.sourceName, m);
      const listenerConfig = {
        liveSync: key,
        source,
        resources: resources.map((r) => ({ ...r, group: r.group ?? "" })),
        subjectPrefix: this.subjectPrefix,
      };
      const period = Math.min(resyncPeriodMs(ls.spec), 2 ** 31 - 1);
      // One active events-listener per LiveSynchronization: a Lease in the destination, in the
      // LiveSynchronization's namespace; other replicas stand by and take over on expiry.
      await this.namespaces.ensure(destination, nsOf(ls), key);
      const elector = new LeaseElector(
        destination.rest,
        {
          namespace: nsOf(ls),
          name: `livesync-listener-${ls.metadata.name}`,
          identity: this.identity,
          durationSeconds: this.opts.leaseDurationSeconds,
        },
        {
          onStartedLeading: async () => {
            // Created before any await: once this process leads, reconcileNow works.
            const reconciler = new Reconciler(this.bus, {
              liveSync: key,
              source,
              destination,
              resources: listenerConfig.resources,
              subjectPrefix: this.subjectPrefix,
            });
            this.reconcilers.set(key, reconciler);
            const listener = new EventsListener(listenerConfig, this.bus);
            this.listeners.set(key, listener);
            await listener.start();
            // Every resyncPeriod (default 1h): additive resync (the listener re-publishes the
            // current state) and subtractive (the reconciler prunes and repairs). The first
            // reconcile follows shortly after start: deletes missed while down are found then.
            const resync = () => {
              listener.resync();
              void this.reconcileNow(key);
            };
            const first = setTimeout(
              () => void this.reconcileNow(key),
              this.opts.firstReconcileDelayMs ?? 10_000,
            );
            const timer = setInterval(resync, period);
            first.unref();
            timer.unref();
            this.resyncTimers.set(key, [first, timer]);
          },
          onStoppedLeading: async () => {
            for (const t of this.resyncTimers.get(key) ?? []) clearTimeout(t);
            this.reconcilers.delete(key);
            const listener = this.listeners.get(key);
            this.listeners.delete(key);
            await listener?.stop();
          },
        },
      );
      this.electors.set(key, elector);
      elector.start();
    } catch (err) {
      this.errors.set(key, [(err as Error).message]);
    }
  }

  private async cluster(namespace: string, name: string, m: EngineManifests): Promise<Cluster> {
    const key = `${namespace}/${name}`;
    const cached = this.clusters.get(key);
    if (cached) return cached;
    const kc = m.clusters.find((c) => keyOf(c) === key);
    if (!kc) throw new Error(`KubernetesCluster ${key} not found`);
    const secretKey = kc.spec.secretKey ?? "kubeconfig.yaml";
    const secret = m.secrets.find((s) => keyOf(s) === `${namespace}/${kc.spec.secretName}`);
    const value =
      secret?.stringData?.[secretKey] ??
      (secret?.data?.[secretKey] !== undefined
        ? Buffer.from(secret.data[secretKey], "base64").toString()
        : undefined);
    if (value === undefined) {
      throw new Error(
        `KubernetesCluster ${key}: Secret ${namespace}/${kc.spec.secretName} has no key ${secretKey}`,
      );
    }
    const cluster = await Cluster.fromKubeConfigYaml(name, value);
    this.clusters.set(key, cluster);
    return cluster;
  }

  private archiveTo(
    liveSync: string,
    namespace: string,
    name: string,
    sourceCluster: string,
    m: EngineManifests,
  ) {
    const k = `${namespace}/${name}`;
    let bucket = this.buckets.get(k);
    if (!bucket) {
      const spec = m.buckets.find((b) => keyOf(b) === k);
      if (!spec) throw new Error(`Bucket ${k} not found`);
      const secret = m.secrets.find((s) => keyOf(s) === `${namespace}/${spec.spec.secretName}`);
      bucket = bucketClientFromSpec(spec, bucketCredentials(spec, secret));
      this.buckets.set(k, bucket);
    }
    this.archiver.setTarget({
      liveSync,
      sourceCluster,
      bucket,
      bucketNamespace: namespace,
      bucketName: name,
    });
    bucket.check().then(
      () => this.bucketProblems.delete(liveSync),
      (err: Error) => this.bucketProblems.set(liveSync, err.message),
    );
  }

  /** Runs a reconcile pass now (this process must hold the LiveSynchronization's lease). */
  async reconcileNow(liveSync: string): Promise<ReconcileReport | undefined> {
    const reconciler = this.reconcilers.get(liveSync);
    if (!reconciler) return undefined;
    try {
      const report = await reconciler.reconcile();
      this.reconcileReports.set(liveSync, report);
      return report;
    } catch (err) {
      this.reconcileReports.set(liveSync, { error: (err as Error).message });
      return undefined;
    }
  }

  async status(): Promise<LiveSyncStatus[]> {
    const pending = await this.bus.pending(SYNCHRONIZER_DURABLE).catch(() => -1);
    const keys = new Set([...this.electors.keys(), ...this.errors.keys(), ...this.suspended]);
    return [...keys].sort().map((liveSync) => {
      const s = this.synchronizer.statsFor(liveSync);
      const l = this.listeners.get(liveSync)?.stats;
      const problems = [...(this.errors.get(liveSync) ?? [])];
      if (s?.lastConflict) problems.push(`conflict: ${s.lastConflict}`);
      if (s?.lastError && s.failed > 0) problems.push(`failed: ${s.lastError}`);
      if (l?.lastWatchError) problems.push(`watch: ${l.lastWatchError}`);
      const a = this.archiver.statsFor(liveSync);
      const bucketProblem =
        a?.retrying && a.lastError ? a.lastError : this.bucketProblems.get(liveSync);
      if (bucketProblem) problems.push(`bucket: ${bucketProblem}`);
      const r = this.reconcileReports.get(liveSync);
      if (r && "error" in r) problems.push(`reconcile: ${r.error}`);
      for (const res of r && "resources" in r ? r.resources : []) {
        if (res.refused) problems.push(`reconcile ${res.resource}: ${res.refused}`);
      }
      for (const [i, e] of Object.entries(l?.resourceErrors ?? {})) {
        problems.push(`spec.config.replication.resources[${i}]: ${e}`);
      }
      return {
        liveSync,
        state: this.suspended.has(liveSync)
          ? "suspended"
          : this.errors.has(liveSync)
            ? "error"
            : this.electors.get(liveSync)?.isLeader
              ? "running"
              : "standby",
        synced: this.synchronizer.objectCounts(liveSync).synced,
        pending, // one shared consumer: the total across LiveSynchronizations
        failed: this.synchronizer.objectCounts(liveSync).failed,
        conflicts: s?.conflicts ?? 0,
        lagMs: s?.lastLagMs,
        archived: a?.archived,
        lastReconcile: r && "resources" in r ? r : undefined,
        problems,
      };
    });
  }

  async stop(): Promise<void> {
    await Promise.all([...this.electors.values()].map((e) => e.stop()));
    await this.synchronizer.stop();
    await this.archiver.stop();
    await this.bus.close();
    for (const c of this.clusters.values()) c.close();
    for (const b of this.buckets.values()) b.close();
  }
}
