// The operator's status writes of LiveSynchronizations, KubernetesClusters and Buckets: each
// status computed (status.ts) from validation, access checks and the engine's view, and
// patched only when it changed.

import type { KindName } from "@livesync/api";
import type { LiveSyncStatus } from "@livesync/engine";
import { isNotFound, type KubeRest } from "@livesync/kube";
import type { AccessChecks } from "./access.js";
import { problemsOf, type Desired, type Snapshot } from "./desired.js";
import { keyOf, nsOf, objectPath, type RawObject } from "./objects.js";
import { assetStatus, liveSyncStatus, statusChanged } from "./status.js";

export class StatusWriter {
  constructor(
    private readonly rest: KubeRest,
    private readonly access: AccessChecks,
    private readonly onError: (err: Error) => void,
  ) {}

  /** Merge-patches the status subresource; an object deleted meanwhile is no error. */
  patch(kind: KindName, o: RawObject, status: Record<string, unknown>): Promise<unknown> {
    return this.rest
      .request("PATCH", `${objectPath(kind, nsOf(o), o.metadata.name)}/status`, {
        body: { status },
        contentType: "application/merge-patch+json",
      })
      .catch((err: Error) => {
        if (!isNotFound(err)) this.onError(err);
      });
  }

  /**
   * Every LiveSynchronization, KubernetesCluster and Bucket of the snapshot. `engine`: the
   * statuses of the services running in this process (undefined when it runs none).
   */
  async writeAll(
    snap: Snapshot,
    { manifests: m, problems }: Desired,
    engine: LiveSyncStatus[] | undefined,
  ): Promise<void> {
    const byLiveSync = new Map<string, LiveSyncStatus>((engine ?? []).map((s) => [s.liveSync, s]));
    const writes: Promise<unknown>[] = [];
    const write = (kind: KindName, o: RawObject, status: Record<string, unknown>) => {
      if (statusChanged(o.status, status)) writes.push(this.patch(kind, o, status));
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
            access: this.access.cluster(ns, cfg.sourceName, "source", resources, m),
          },
          destination: cfg && {
            name: cfg.destinationName,
            access: this.access.cluster(ns, cfg.destinationName, "destination", resources, m),
          },
          engine: byLiveSync.get(keyOf(o)),
          engineLocal: engine !== undefined,
        }),
      );
    }

    for (const o of snap.clusters) {
      const access = this.access.cluster(nsOf(o), o.metadata.name, "source", [], m);
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
      const reach = this.access.bucket(o, m);
      write("Bucket", o, assetStatus(o, problemsOf(problems, "Bucket", o), reach));
    }
    await Promise.all(writes);
  }

  /** Without the controller duties, a synchronizer pod still reports its counts. */
  async writeCounts(snap: Snapshot, engine: LiveSyncStatus[]): Promise<void> {
    await Promise.all(
      snap.liveSyncs.map((o) => {
        const s = engine.find((x) => x.liveSync === keyOf(o));
        if (!s) return;
        const counts = { synced: s.synced, failed: s.failed };
        if (statusChanged(o.status, counts)) return this.patch("LiveSynchronization", o, counts);
      }),
    );
  }
}
