// The atomic snapshot: the first list gives the revision R, every other resource is listed at
// exactly R, so the backup is the cluster as it was at one moment (all resources of a cluster,
// and here all clusters, share one etcd revision counter). Where that cannot hold the resource
// is listed at another moment and the result says so, per resource.

import { gvrKey, type BackupProblem, type KubeObject } from "@livesync/api";
import type { KubeRest } from "@livesync/kube";
import { isCompacted, listAt, listKey, PAGE_SIZE } from "./list-at.js";
import type { PlannedResource } from "./scope.js";

/** How often a compacted revision starts the snapshot again before it goes on non-atomically. */
export const MAX_SNAPSHOT_RESTARTS = 3;

/** How often one resource's list resumes after its revision was compacted, before it fails. */
const MAX_RESUMES = 5;

/** An error of a handler (the writer), told apart from the apiserver's answers. */
class HandlerError extends Error {
  constructor(override readonly cause: unknown) {
    super("handler failed");
  }
}

export interface SnapshotHandlers {
  /** One page of a resource's objects (before selection and sanitising). */
  onObjects(planned: PlannedResource, items: KubeObject[]): Promise<void>;
  /** The first list fixed the revision. */
  onRevision?(resourceVersion: string): void;
  /**
   * Drops everything handed over so far, because the snapshot starts again from a new revision.
   * Without it a compacted revision makes the rest of the snapshot non-atomic instead.
   */
  restart?(): Promise<void>;
}

export interface SnapshotOptions {
  /** Namespaced resources are listed in each of these namespaces (empty: all at once). */
  includedNamespaces: readonly string[];
  pageSize?: number;
  maxRestarts?: number;
}

export interface ResourceOutcome {
  planned: PlannedResource;
  /** Listed at the snapshot's revision. */
  atomic: boolean;
  /** Why listing failed (objects of earlier pages may have been handed over). */
  error?: string;
}

export interface SnapshotResult {
  /** The revision of the snapshot ("" when nothing could be listed). */
  resourceVersion: string;
  outcomes: ResourceOutcome[];
  warnings: BackupProblem[];
  restarts: number;
}

export async function takeSnapshot(
  rest: KubeRest,
  plan: readonly PlannedResource[],
  opts: SnapshotOptions,
  handlers: SnapshotHandlers,
): Promise<SnapshotResult> {
  const maxRestarts = opts.maxRestarts ?? MAX_SNAPSHOT_RESTARTS;
  const warnings: BackupProblem[] = [];
  let restarts = 0;
  for (;;) {
    const pass = await snapshotPass();
    if (pass.compactedAt === undefined) {
      return { resourceVersion: pass.revision ?? "", outcomes: pass.outcomes, warnings, restarts };
    }
    restarts++;
    warnings.push({
      message: `revision ${pass.compactedAt} was compacted during the backup; started again from a new revision (${restarts} of ${maxRestarts})`,
    });
    await handlers.restart!();
  }

  /** One pass over the plan; compactedAt set when it stopped to start again. */
  async function snapshotPass(): Promise<{
    revision?: string;
    outcomes: ResourceOutcome[];
    compactedAt?: string;
  }> {
    let revision: string | undefined;
    // The revision lists are pinned to: R, or a newer one once R is gone and cannot be restarted.
    let current: string | undefined;
    const outcomes: ResourceOutcome[] = [];
    for (const planned of plan) {
      const { info } = planned;
      const outcome: ResourceOutcome = { planned, atomic: true };
      outcomes.push(outcome);
      const where = { group: info.group, version: info.version, resource: info.resource };
      const namespaces =
        info.namespaced && opts.includedNamespaces.length > 0
          ? opts.includedNamespaces
          : [undefined];
      for (const namespace of namespaces) {
        let after: string | undefined;
        let pinned = true;
        for (let attempt = 1; ; attempt++) {
          let pages = 0;
          try {
            await listAt(
              rest,
              info,
              {
                resourceVersion: pinned ? current : undefined,
                namespace,
                after,
                pageSize: opts.pageSize ?? PAGE_SIZE,
              },
              async (items, listRv) => {
                if (revision === undefined) {
                  revision = listRv;
                  handlers.onRevision?.(listRv);
                }
                current ??= listRv;
                if (!pinned || listRv !== revision) outcome.atomic = false;
                pages++;
                const last = items.at(-1);
                if (last) after = listKey(last);
                try {
                  await handlers.onObjects(planned, items);
                } catch (err) {
                  throw new HandlerError(err);
                }
              },
            );
            break;
          } catch (err) {
            // The writer failing is the backup failing, not this resource.
            if (err instanceof HandlerError) throw err.cause;
            const message = err instanceof Error ? err.message : String(err);
            if (isCompacted(err) && current !== undefined && attempt <= MAX_RESUMES) {
              if (handlers.restart && restarts < maxRestarts)
                return { outcomes, compactedAt: current };
              warnings.push({
                ...where,
                message: `revision ${current} was compacted during the backup; ${gvrKey(info)} and the resources after it are listed at a newer revision`,
              });
              // Resumes after the last object handed over, at whatever revision is newest now.
              current = undefined;
              outcome.atomic = false;
              continue;
            }
            if (pinned && pages === 0 && current !== undefined) {
              // Served from another store (an aggregated API), or it refuses exact revisions.
              warnings.push({
                ...where,
                message: `cannot be listed at revision ${current} (${message}); listed at the newest revision instead`,
              });
              pinned = false;
              continue;
            }
            outcome.error = message;
            break;
          }
        }
      }
    }
    return { revision, outcomes };
  }
}
