// The operator's watched, cached view of the management cluster: one informer per kind it
// reads. Every change calls onChange, so the operator reacts within milliseconds instead of
// polling.

import { KINDS, type KindName } from "@livesync/api";
import { Informer, type KubeRest, type ResourceInfo } from "@livesync/kube";
import type { Snapshot } from "./desired.js";
import { keyOf, type RawObject } from "./objects.js";

/** `controllerOnly`: read by the controller duties alone (other pods need not be allowed to). */
const WATCHED: { kind: KindName | "Secret"; field: keyof Snapshot; controllerOnly?: true }[] = [
  { kind: "LiveSynchronization", field: "liveSyncs" },
  { kind: "KubernetesCluster", field: "clusters" },
  { kind: "Bucket", field: "buckets" },
  { kind: "TaskRun", field: "taskRuns" },
  { kind: "Task", field: "tasks" },
  { kind: "Secret", field: "secrets" },
  { kind: "Backup", field: "backups", controllerOnly: true },
  { kind: "BackupSchedule", field: "backupSchedules", controllerOnly: true },
  { kind: "Restore", field: "restores", controllerOnly: true },
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

export class ManagementInformers {
  private readonly informers = new Map<keyof Snapshot, Informer<RawObject>>();

  constructor(
    rest: KubeRest,
    namespace: string | undefined,
    onChange: () => void,
    controller: boolean,
  ) {
    const changed = async () => onChange();
    for (const { kind, field, controllerOnly } of WATCHED) {
      if (controllerOnly && !controller) continue;
      const informer = new Informer<RawObject>(
        rest,
        infoOf(kind),
        { onList: changed, onEvent: changed },
        {
          namespace,
          project: (o) => o as unknown as RawObject,
          // A CRD not installed (yet): nothing of that kind, which is a complete answer.
          notFoundIsEmpty: true,
          // A CRD installed after the operator started is picked up within seconds.
          backoffMaxMs: 5_000,
        },
      );
      this.informers.set(field, informer);
    }
  }

  start(): void {
    for (const i of this.informers.values()) i.start();
  }

  async stop(): Promise<void> {
    await Promise.all([...this.informers.values()].map((i) => i.stop()));
  }

  /** Whether every kind was listed once (until then, the view is not the cluster's state). */
  get hasSynced(): boolean {
    return [...this.informers.values()].every((i) => i.hasSynced);
  }

  snapshot(): Snapshot {
    const items = (f: keyof Snapshot) => this.informers.get(f)?.list() ?? [];
    return {
      liveSyncs: items("liveSyncs"),
      clusters: items("clusters"),
      buckets: items("buckets"),
      taskRuns: items("taskRuns"),
      tasks: items("tasks"),
      secrets: items("secrets"),
      backups: items("backups"),
      backupSchedules: items("backupSchedules"),
      restores: items("restores"),
    };
  }

  /** The LiveSynchronization `namespace/name`, as last seen. */
  liveSync(key: string): RawObject | undefined {
    return this.informers
      .get("liveSyncs")
      ?.list()
      .find((o) => keyOf(o) === key);
  }
}
