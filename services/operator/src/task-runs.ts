// The TaskRun controller. A TaskRun runs once: without a phase it is started (Running, its
// LiveSynchronization suspended unless spec.suspendLiveSynchronization is false), recovered
// and given its final phase. One found Running that no run of this process owns was
// interrupted (the operator crashed or was restarted): it is resumed under the same run id,
// so the objects it already recovered are skipped and the others done, and its status says
// so. A finished TaskRun is never run again.

import {
  clusterKubeconfig,
  type Bucket,
  type LiveSynchronization,
  type Task,
  type TaskRun,
  type TaskRunStatus,
} from "@livesync/api";
import { bucketClientFromSpec, bucketCredentials } from "@livesync/bucket";
import type { EngineManifests } from "@livesync/engine";
import { Cluster, isNotFound, type KubeRest } from "@livesync/kube";
import { runRecovery, type RecoveryBucket } from "@livesync/recovery";
import { condition, keyOf, nsOf, objectPath, type RawObject } from "./objects.js";

const FINAL = new Set(["Succeeded", "Failed", "PartiallySucceeded"]);

export interface TaskRunControllerOptions {
  rest: KubeRest;
  /** Resolves once this LiveSynchronization no longer replicates (before recovery writes). */
  awaitSuspended: (liveSync: string) => Promise<void>;
  onError: (err: Error) => void;
  /** Objects a TaskRun recovers at once (default: runRecovery's). */
  concurrency?: number;
}

export class TaskRunController {
  private readonly runs = new Map<string, Promise<void>>();

  constructor(private readonly opts: TaskRunControllerOptions) {}

  /** Starts new TaskRuns and resumes interrupted ones; returns at once (runs go on). */
  async sync(
    taskRuns: RawObject[],
    liveSyncs: RawObject[],
    manifests: EngineManifests,
  ): Promise<void> {
    for (const tr of taskRuns) {
      const phase = tr.status?.phase as string | undefined;
      if (this.runs.has(keyOf(tr)) || (phase && FINAL.has(phase))) continue;
      const spec = (tr.spec ?? {}) as Partial<TaskRun["spec"]>;
      // The Task of a LiveSynchronization has its name, in its namespace (taskFor).
      const ls = liveSyncs.find((l) => nsOf(l) === nsOf(tr) && l.metadata.name === spec.taskName);
      const interrupted = phase === "Running";
      const run = this.start(tr, ls, interrupted)
        .then(() => this.execute(tr, ls, manifests, interrupted))
        .catch((err: Error) => this.opts.onError(err))
        .finally(() => this.runs.delete(keyOf(tr)));
      this.runs.set(keyOf(tr), run);
    }
  }

  /** Waits for the runs in progress. */
  async stop(): Promise<void> {
    await Promise.allSettled(this.runs.values());
  }

  private patchStatus(tr: RawObject, status: Record<string, unknown>): Promise<unknown> {
    return this.opts.rest.request(
      "PATCH",
      `${objectPath("TaskRun", nsOf(tr), tr.metadata.name)}/status`,
      { body: { status }, contentType: "application/merge-patch+json" },
    );
  }

  private async start(tr: RawObject, ls: RawObject | undefined, interrupted: boolean) {
    const spec = (tr.spec ?? {}) as Partial<TaskRun["spec"]>;
    if (!interrupted)
      await this.patchStatus(tr, { phase: "Running", startTime: new Date().toISOString() });
    if (!ls || spec.suspendLiveSynchronization === false) return;
    if (!(ls.spec as { suspend?: boolean } | undefined)?.suspend) {
      await this.opts.rest.request(
        "PATCH",
        objectPath("LiveSynchronization", nsOf(ls), ls.metadata.name),
        { body: { spec: { suspend: true } }, contentType: "application/merge-patch+json" },
      );
    }
    await this.opts.awaitSuspended(keyOf(ls));
  }

  private async execute(
    tr: RawObject,
    ls: RawObject | undefined,
    manifests: EngineManifests,
    interrupted: boolean,
  ): Promise<void> {
    const spec = (tr.spec ?? {}) as Partial<TaskRun["spec"]>;
    const ns = nsOf(tr);
    const fail = (message: string) =>
      this.patchStatus(tr, {
        phase: "Failed",
        completionTime: new Date().toISOString(),
        conditions: [condition("Succeeded", false, "Failed", message)],
      });
    if (!ls)
      return void (await fail(
        `LiveSynchronization "${spec.taskName}" (owner of the Task) not found`,
      ));
    let task: Task;
    try {
      task = await this.opts.rest.request<Task>("GET", objectPath("Task", ns, spec.taskName!));
    } catch (err) {
      if (!isNotFound(err)) throw err;
      return void (await fail(`Task "${spec.taskName}" not found in namespace "${ns}"`));
    }
    const { config } = ls.spec as LiveSynchronization["spec"];
    const find = <T extends { metadata: { name: string; namespace?: string } }>(
      items: T[],
      name?: string,
    ) => items.find((o) => keyOf(o) === `${ns}/${name}`);
    const kc = find(manifests.clusters, config.destinationName);
    if (!kc)
      return void (await fail(
        `KubernetesCluster "${config.destinationName}" not found or invalid`,
      ));
    const kubeconfig = clusterKubeconfig(kc, manifests.secrets);
    if (kubeconfig === undefined)
      return void (await fail(
        `KubernetesCluster "${kc.metadata.name}": its Secret has no kubeconfig`,
      ));

    const cleanups: (() => void)[] = [];
    try {
      const destination = await Cluster.fromKubeConfigYaml(kc.metadata.name, kubeconfig);
      cleanups.push(() => destination.close());
      let bucket: RecoveryBucket | undefined;
      if (config.bucketName) {
        const b: Bucket | undefined = find(manifests.buckets, config.bucketName);
        if (!b) return void (await fail(`Bucket "${config.bucketName}" not found or invalid`));
        const client = bucketClientFromSpec(
          b,
          bucketCredentials(b, find(manifests.secrets, b.spec.secretName)),
        );
        cleanups.push(() => client.close());
        bucket = { client, bucketNamespace: ns, bucketName: b.metadata.name };
      }
      const result = await runRecovery({
        task,
        liveSync: keyOf(ls),
        destination,
        bucket,
        dryRun: spec.dryRun ?? false,
        // The TaskRun's uid: a resumed run recognises the objects it already recovered.
        runId: tr.metadata.uid,
        concurrency: this.opts.concurrency,
      });
      const status: TaskRunStatus = {
        phase: result.phase,
        completionTime: new Date().toISOString(),
        resources: result.resources,
        failures: result.failures,
        conditions: [
          condition(
            "Succeeded",
            result.phase === "Succeeded",
            result.phase,
            `${result.resources.reduce((n, r) => n + r.succeeded, 0)} recovered, ${result.failures.length} failed`,
          ),
          ...(interrupted
            ? [
                condition(
                  "Resumed",
                  true,
                  "OperatorRestarted",
                  `the run was interrupted (operator restarted) and resumed: ${result.resumed} objects it had already recovered were skipped, the rest recovered now`,
                ),
              ]
            : []),
        ],
      };
      await this.patchStatus(tr, status as Record<string, unknown>);
    } catch (err) {
      await fail((err as Error).message);
    } finally {
      for (const c of cleanups) c();
    }
  }
}
