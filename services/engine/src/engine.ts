import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import { Archiver } from "@livesync/archiver";
import { checkReplicas, JetStreamBus, type EventBus } from "@livesync/bus";
import type { ReconcileReport } from "@livesync/reconciler";
import type { ListenerStats } from "@livesync/events-listener";
import { FIELD_MANAGER } from "@livesync/core";
import {
  NamespaceEnsurer,
  sharedTombstones,
  SYNCHRONIZER_DURABLE,
  Synchronizer,
} from "@livesync/synchronizer";
import { objectKey as keyOf } from "@livesync/api";
import {
  COMPONENTS,
  liveSyncFingerprint,
  LiveSyncRuntime,
  type Component,
  type EngineManifests,
  type RuntimeDeps,
} from "./live-sync-runtime.js";
import { openBus } from "./bus.js";
import { subjectPrefixOf, type BusOptions } from "./connect-bus.js";
import { StatusReporter } from "./status-reports.js";

export { COMPONENTS, type Component, type EngineManifests } from "./live-sync-runtime.js";

export interface LiveSyncStatus {
  liveSync: string;
  /** running: this process's listener is active; standby: another replica holds the lease. */
  state: "running" | "standby" | "suspended" | "error";
  synced: number;
  /**
   * Events not yet applied on the bus, for all LiveSynchronizations together: they share one
   * durable consumer, so the bus cannot tell them apart (shown as bus-pending).
   */
  pending: number;
  failed: number;
  /** Objects whose destination name is taken by an object livesync did not create. */
  conflicts: number;
  /** Objects waiting out a destination outage (unreachable, 5xx, throttled); they are retried. */
  retrying?: number;
  lagMs?: number;
  /** Originals stored in the bucket (when spec.config.bucketName is set). */
  archived?: number;
  lastReconcile?: ReconcileReport;
  problems: string[];
}

export interface EngineOptions extends BusOptions {
  /** Seconds before a standby events-listener takes over from a silent one (default 15). */
  leaseDurationSeconds?: number;
  /** Delay of the first reconcile pass after this process starts leading (default 10 s). */
  firstReconcileDelayMs?: number;
  /** Destination writes the synchronizer makes at once (default 32). */
  syncConcurrency?: number;
  /** The services this process runs (default all; in a cluster each pod runs one). */
  components?: readonly Component[];
  /**
   * With JetStream: how often this process publishes its statuses for the operator of a split
   * deployment (default 5 s; 0: never).
   */
  statusReportMs?: number;
}

/** The `--nats-replicas` flag's value: absent (automatic) or a count JetStream accepts. */
export function natsReplicasFlag(value: string | undefined): number | undefined {
  return value === undefined ? undefined : checkReplicas(Number(value), "--nats-replicas");
}

/**
 * The services in one process: one events-listener (and reconciler) per LiveSynchronization,
 * one synchronizer and one archiver, sharing a bus (JetStream when a URL is given, otherwise
 * in-process). `apply` brings it to a new set of manifests, restarting only the
 * LiveSynchronizations whose inputs changed. One that cannot start (unreachable cluster,
 * missing secret) is reported in its status; the others run.
 */
export class Engine {
  private readonly runs = new Map<string, LiveSyncRuntime>();
  /** Publishes this process's statuses (JetStream only): see status-reports.ts. */
  private reporter?: StatusReporter;
  private applying: Promise<void> = Promise.resolve();
  private readonly deps: RuntimeDeps;

  private constructor(
    readonly bus: EventBus,
    readonly synchronizer: Synchronizer | undefined,
    readonly archiver: Archiver | undefined,
    subjectPrefix: string,
    opts: EngineOptions,
    listen: boolean,
  ) {
    this.deps = {
      bus,
      synchronizer,
      archiver,
      listen,
      subjectPrefix,
      identity: `${hostname()}-${process.pid}-${randomBytes(3).toString("hex")}`,
      // The LiveSynchronization's namespace in the destination holds its Lease.
      namespaces: new NamespaceEnsurer(FIELD_MANAGER),
      leaseDurationSeconds: opts.leaseDurationSeconds,
      firstReconcileDelayMs: opts.firstReconcileDelayMs,
    };
  }

  static async start(manifests: EngineManifests, opts: EngineOptions = {}): Promise<Engine> {
    const subjectPrefix = subjectPrefixOf(opts);
    const components = new Set(opts.components ?? COMPONENTS);
    const bus = await openBus(opts, components);
    const synchronizer = components.has("synchronizer")
      ? new Synchronizer(bus, {
          concurrency: opts.syncConcurrency,
          // Replicas share tombstones through JetStream; the in-process bus has one process.
          tombstones: bus instanceof JetStreamBus ? await sharedTombstones(bus) : undefined,
        })
      : undefined;
    // Events of LiveSynchronizations without a bucket are acknowledged and ignored.
    const archiver = components.has("archiver") ? new Archiver(bus) : undefined;
    const engine = new Engine(
      bus,
      synchronizer,
      archiver,
      subjectPrefix,
      opts,
      components.has("events-listener"),
    );
    await engine.apply(manifests);
    await synchronizer?.start();
    await archiver?.start();
    if (bus instanceof JetStreamBus && opts.statusReportMs !== 0) {
      // Without its reports (a NATS credential that may not write the bucket) the process
      // still replicates; a synchronizer then writes its counts itself, as before.
      engine.reporter = await StatusReporter.start(
        bus,
        { process: engine.identity, components: [...components] },
        () => engine.status(),
        opts.statusReportMs,
      ).catch(() => undefined);
    }
    return engine;
  }

  /**
   * Runs exactly these LiveSynchronizations: new ones start, removed ones stop, and those whose
   * spec, clusters, bucket or Secrets changed restart. The others are not touched.
   */
  apply(manifests: EngineManifests): Promise<void> {
    const next = this.applying.then(() => this.reconcileRuns(manifests));
    this.applying = next.catch(() => undefined);
    return next;
  }

  private async reconcileRuns(m: EngineManifests): Promise<void> {
    const wanted = new Map(m.liveSyncs.map((ls) => [keyOf(ls), ls]));
    const stale = [...this.runs.values()].filter((run) => {
      const ls = wanted.get(run.key);
      return !ls || liveSyncFingerprint(ls, m) !== run.fingerprint;
    });
    await Promise.all(stale.map((run) => run.stop()));
    for (const run of stale) this.runs.delete(run.key);
    for (const [key, ls] of wanted) {
      if (!this.runs.has(key)) this.runs.set(key, await LiveSyncRuntime.start(ls, m, this.deps));
    }
  }

  /** This process, as its Leases and status reports name it. */
  get identity(): string {
    return this.deps.identity;
  }

  /** Whether this process publishes its statuses for an operator elsewhere to merge. */
  get reportsStatus(): boolean {
    return this.reporter !== undefined;
  }

  /** Runs a reconcile pass now (this process must hold the LiveSynchronization's lease). */
  async reconcileNow(liveSync: string): Promise<ReconcileReport | undefined> {
    return this.runs.get(liveSync)?.reconcileNow();
  }

  /** The events-listener's own counters, while this process runs it (benchmarks read them). */
  listenerStats(liveSync: string): ListenerStats | undefined {
    return this.runs.get(liveSync)?.listener?.stats;
  }

  async status(): Promise<LiveSyncStatus[]> {
    const pending = this.synchronizer
      ? await this.bus.pending(SYNCHRONIZER_DURABLE).catch(() => -1)
      : -1;
    return [...this.runs.values()]
      .sort((a, b) => a.key.localeCompare(b.key))
      .map((run) => this.statusOf(run, pending));
  }

  private statusOf(run: LiveSyncRuntime, pending: number): LiveSyncStatus {
    const liveSync = run.key;
    const s = this.synchronizer?.statsFor(liveSync);
    const l = run.listener?.stats;
    const counts = this.synchronizer?.objectCounts(liveSync) ?? {
      synced: 0,
      failed: 0,
      conflicts: 0,
    };
    const problems = [...run.errors];
    // Shown while some object is still in conflict or failed, not forever after one was.
    if (s?.lastConflict && counts.conflicts > 0) problems.push(`conflict: ${s.lastConflict}`);
    if (s?.lastError && counts.failed > 0) problems.push(`failed: ${s.lastError}`);
    const retrying = this.synchronizer?.retrying(liveSync) ?? 0;
    // Shown while the outage lasts: the events wait in the stream, nothing is given up.
    if (retrying > 0) problems.push(`destination: ${s?.lastTransientError}`);
    if (l?.lastWatchError) problems.push(`watch: ${l.lastWatchError}`);
    if (run.leaseProblem) problems.push(`lease: ${run.leaseProblem}`);
    if (l?.failedObjects.size) problems.push(`publish: ${l.lastPublishError}`);
    const a = this.archiver?.statsFor(liveSync);
    // Bucket problems do not stop replication: events wait in the stream and are reported.
    const bucketProblem = a?.retrying && a.lastError ? a.lastError : run.bucketProblem;
    if (bucketProblem) problems.push(`bucket: ${bucketProblem}`);
    const r = run.lastReconcile;
    if (r && "error" in r) problems.push(`reconcile: ${r.error}`);
    for (const res of r && "resources" in r ? r.resources : []) {
      if (res.refused) problems.push(`reconcile ${res.resource}: ${res.refused}`);
    }
    for (const [i, e] of Object.entries(l?.resourceErrors ?? {})) {
      problems.push(`spec.config.replication.resources[${i}]: ${e}`);
    }
    return {
      liveSync,
      state: run.suspended
        ? "suspended"
        : run.errors.length
          ? "error"
          : run.isLeader
            ? "running"
            : "standby",
      synced: counts.synced,
      pending, // one shared consumer: the total across LiveSynchronizations
      failed: counts.failed + (l?.failedObjects.size ?? 0), // and those the bus cannot carry
      conflicts: counts.conflicts,
      retrying,
      lagMs: s?.lastLagMs,
      archived: a?.archived,
      lastReconcile: r && "resources" in r ? r : undefined,
      problems,
    };
  }

  async stop(): Promise<void> {
    await this.reporter?.stop();
    await this.applying;
    await Promise.all([...this.runs.values()].map((run) => run.stop()));
    this.runs.clear();
    await this.synchronizer?.stop();
    await this.archiver?.stop();
    await this.bus.close();
  }
}
