// The operator: runs livesync from the LiveSynchronization, KubernetesCluster, Bucket, Task,
// TaskRun and Secret objects of a management cluster.
//
// - It WATCHES those kinds (informer.ts); any change triggers a pass within ~50 ms, and a
//   pass also runs every `resyncMs` (status counts, access re-checks). This file does the
//   timing: one pass at a time, debounced, and the periodic one.
// - A pass (pass.ts) validates everything as one manifest set (desired.ts) and brings the
//   in-process engine to it: only LiveSynchronizations whose inputs changed are restarted, so
//   `spec.suspend: true` stops one within a second and the others never notice.
// - The controller duties run in one replica (leadership.ts: with `leaderElection`, the holder
//   of a Lease in the management cluster): TaskRuns (task-runs.ts), Tasks (tasks.ts), Backups,
//   BackupSchedules, retention and bucket sync (backups/), Restores (restores/), and the
//   statuses (status-writes.ts, from status.ts and the access checks of access.ts).
// - In a cluster each service runs in its own pod: `engineOptions.components` chooses which
//   this process runs, and `controller: false` leaves the controller duties to another pod.

import { COMPONENTS, Engine, StatusBoard, type EngineOptions } from "@livesync/engine";
import type { Cluster } from "@livesync/kube";
import type { Registry } from "@livesync/telemetry";
import { AccessChecks } from "./access.js";
import { BackupControllers, type BackupControllerOptions } from "./backups/controllers.js";
import { provisionInBackground } from "./bus-provisioning.js";
import { ManagementInformers } from "./informer.js";
import { Leadership, type LeaderElectionOptions } from "./leadership.js";
import { runPass, type PassParts } from "./pass.js";
import { RestoreRuns, type RestoreControllerOptions } from "./restores/restore-runs.js";
import { StatusWriter } from "./status-writes.js";
import { awaitSuspended } from "./suspension.js";
import { TaskRunController } from "./task-runs.js";

export { FIELD_MANAGER } from "./tasks.js";
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
  leaderElection?: LeaderElectionOptions;
  /** Period of the pass that runs even without changes (default 5 s). */
  resyncMs?: number;
  /** Called with the error of a failed pass (the next pass runs anyway). */
  onError?: (err: Error) => void;
  /** Objects a TaskRun recovers at once (default 16). */
  recoveryConcurrency?: number;
  /** Backups run at once, bucket sync period. */
  backups?: BackupControllerOptions;
  /** Restores run at once, objects a restore writes at once. */
  restores?: RestoreControllerOptions;
}

export class Operator {
  private readonly informers: ManagementInformers;
  private readonly leadership: Leadership;
  private readonly parts: PassParts;
  private stopped = false;
  private debounce: NodeJS.Timeout | undefined;
  private resync: NodeJS.Timeout | undefined;
  private running: Promise<void> = Promise.resolve();
  private dirty = false;
  private provisioning: Promise<void> = Promise.resolve();

  private constructor(
    private readonly opts: OperatorOptions,
    private engine: Engine | undefined,
    private readonly reports: StatusBoard | undefined,
  ) {
    const { rest } = opts.management;
    const onError = (err: Error) => this.opts.onError?.(err);
    this.informers = new ManagementInformers(
      rest,
      opts.namespace,
      () => this.trigger(),
      opts.controller !== false,
    );
    this.leadership = new Leadership(rest, opts.controller !== false, opts.leaderElection, () =>
      this.trigger(),
    );
    const statuses = new StatusWriter(rest, new AccessChecks(() => this.trigger()), onError);
    this.parts = {
      rest,
      engine,
      reports,
      leadership: this.leadership,
      controller: opts.controller !== false,
      taskRuns: new TaskRunController({
        rest,
        awaitSuspended: (key) =>
          awaitSuspended(
            key,
            (k) => this.informers.liveSync(k),
            this.engine,
            () => this.stopped,
          ),
        onError,
        concurrency: opts.recoveryConcurrency,
      }),
      statuses,
      backups: new BackupControllers(rest, statuses, opts.backups ?? {}, onError),
      restores: new RestoreRuns({ ...opts.restores, rest, statuses, onError }),
      onError,
    };
  }

  /** Resolves after the first pass: the engine runs what the management cluster holds. */
  static async start(opts: OperatorOptions): Promise<Operator> {
    const components = opts.engineOptions?.components ?? COMPONENTS;
    const engine =
      components.length > 0
        ? await Engine.start(
            { secrets: [], clusters: [], buckets: [], liveSyncs: [] },
            opts.engineOptions,
          )
        : undefined;
    // The controller of a split deployment reads what the other processes report.
    const reports =
      opts.controller !== false
        ? await StatusBoard.open(engine?.bus, opts.engineOptions ?? {})
        : undefined;
    const op = new Operator(opts, engine, reports);
    // Without services here (a pod of its own), the controller still creates the streams.
    if (!engine && opts.controller !== false && opts.engineOptions?.natsUrl) {
      op.provisioning = provisionInBackground(
        opts.engineOptions,
        () => op.stopped,
        (err) => opts.onError?.(err),
      );
    }
    op.informers.start();
    op.leadership.start();
    while (!op.informers.hasSynced) {
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
    return this.leadership.isController;
  }

  /** Puts the operator's own metrics (backups, restores) on the registry served on /metrics. */
  registerMetrics(registry: Registry): void {
    this.parts.backups.register(registry);
    this.parts.restores.register(registry);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.debounce);
    clearTimeout(this.resync);
    await this.informers.stop();
    await this.running;
    await this.provisioning;
    await this.parts.taskRuns.stop();
    await this.parts.backups.stop();
    await this.parts.restores.stop();
    await this.leadership.stop();
    await this.engine?.stop();
    this.engine = undefined;
    await this.reports?.close();
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
        await runPass(this.parts, this.informers.snapshot());
      } catch (err) {
        this.opts.onError?.(err as Error);
      }
    });
    return this.running;
  }
}
