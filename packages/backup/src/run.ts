// runBackup: one backup of a source cluster into a BackupWriter, from the Backup's spec to its
// final status. It only lists: nothing is ever written to the source.

import type { Backup, BackupProblem, BackupSpec, BackupStatus } from "@livesync/api";
import { FilterError } from "@livesync/core";
import { Cluster, Discovery, KubeRest } from "@livesync/kube";
import { ItemCollector } from "./collect.js";
import { kubernetesVersion, resolveResources } from "./discover.js";
import { BACKUP_FORMAT_VERSION, type BackupWriter, type StoredArchive } from "./format.js";
import { countAt } from "./list-at.js";
import { compileScope, planResources, type BackupScope, type PlannedResource } from "./scope.js";
import { takeSnapshot, type SnapshotResult } from "./snapshot.js";
import { finalStatus, ttlMs } from "./status.js";

export interface BackupProgress {
  itemsBackedUp: number;
  /** Objects the listed resources hold at the revision (an upper bound; known once R is). */
  itemsTotal?: number;
  resourcesDone: number;
  resourcesTotal: number;
}

export interface RunBackupOptions {
  name: string;
  /** The Backup's namespace (where its KubernetesCluster and Bucket are). */
  namespace?: string;
  /** The Backup's labels, kept in backup.json (a schedule's label: restores find its backups). */
  labels?: Record<string, string>;
  spec: BackupSpec;
  source: Cluster | KubeRest;
  writer: BackupWriter;
  now?: () => Date;
  onProgress?: (p: BackupProgress) => void;
  /** Page size of the lists (500). */
  pageSize?: number;
}

/** Takes the backup; the writer is finished (Completed, PartiallyFailed) or aborted (Failed). */
export async function runBackup(opts: RunBackupOptions): Promise<BackupStatus> {
  const now = opts.now ?? (() => new Date());
  const startTime = now();
  const rest = opts.source instanceof Cluster ? opts.source.rest : opts.source;
  const discovery =
    opts.source instanceof Cluster ? opts.source.discovery : new Discovery(opts.source);
  const warnings: BackupProblem[] = [];
  const errors: BackupProblem[] = [];
  const figures = { startTime, ttl: opts.spec.ttl, warnings, errors };
  let scope: BackupScope;
  try {
    scope = compileScope(opts.spec);
    if (ttlMs(opts.spec.ttl) === undefined)
      throw new Error(`spec.ttl: invalid duration "${opts.spec.ttl}"`);
  } catch (err) {
    const message =
      err instanceof FilterError ? `spec.resources: ${err.message}` : (err as Error).message;
    return fail(opts.writer, { ...figures, completionTime: now() }, message);
  }

  let version: string | undefined;
  let snapshot: SnapshotResult | undefined;
  const collector = new ItemCollector(scope, opts.writer, () => progress.item());
  const progress = new ProgressReporter(opts.onProgress);
  try {
    version = await kubernetesVersion(rest);
    const resolved = await resolveResources(rest, discovery, opts.spec);
    errors.push(...resolved.errors);
    warnings.push(...resolved.warnings);
    const { plan, notes } = planResources(scope, resolved.resolved);
    warnings.push(...notes.map((n) => ({ ...n.info, message: n.message })));
    progress.start(plan.length);
    snapshot = await takeSnapshot(
      rest,
      plan,
      { includedNamespaces: scope.includedNamespaces, pageSize: opts.pageSize },
      {
        onObjects: async (planned, items) => {
          await collector.page(planned, items);
          progress.resourcePage(planned);
        },
        onRevision: (rv) =>
          void estimate(rest, plan, scope.includedNamespaces, rv).then((n) =>
            progress.estimated(n),
          ),
        restart:
          opts.writer.reset &&
          (async () => {
            await opts.writer.reset!();
            collector.reset();
            progress.restart();
          }),
      },
    );
  } catch (err) {
    progress.stop();
    return fail(
      opts.writer,
      {
        ...figures,
        completionTime: now(),
        kubernetesVersion: version,
        itemsTotal: collector.itemsTotal,
      },
      (err as Error).message,
    );
  }

  progress.stop();
  warnings.push(...snapshot.warnings);
  for (const ns of collector.missingNamespaces())
    warnings.push({ namespace: ns, message: `namespace ${ns} does not exist in the source` });
  const resources = snapshot.outcomes
    .filter(
      (o) =>
        o.planned.inResourceSet ||
        collector.stored.has(o.planned.key) ||
        collector.skipped.has(o.planned.key),
    )
    .map((o) => {
      const { group, version, resource } = o.planned.info;
      if (o.error) errors.push({ group, version, resource, message: `listing failed: ${o.error}` });
      return {
        group,
        version,
        resource,
        items: collector.stored.get(o.planned.key) ?? 0,
        skipped: collector.skipped.get(o.planned.key) ?? 0,
        atomic: o.atomic,
      };
    });
  const run = {
    ...figures,
    fatal: false,
    itemsTotal: collector.itemsTotal,
    itemsBackedUp: collector.itemsBackedUp,
    resources,
    resourceVersion: snapshot.resourceVersion,
    kubernetesVersion: version,
  };
  if (snapshot.resourceVersion === "") {
    return fail(
      opts.writer,
      { ...run, completionTime: now() },
      "no resource of the source could be listed",
    );
  }
  const completionTime = now();
  const status = finalStatus({ ...run, completionTime });
  const backup: Backup = {
    apiVersion: "backup.livesync.dev/v1alpha1",
    kind: "Backup",
    metadata: {
      name: opts.name,
      ...(opts.namespace ? { namespace: opts.namespace } : {}),
      ...(opts.labels && Object.keys(opts.labels).length ? { labels: opts.labels } : {}),
    },
    spec: opts.spec,
    status,
  };
  let stored: StoredArchive;
  try {
    stored = await opts.writer.finish(
      {
        format: BACKUP_FORMAT_VERSION,
        backup: opts.name,
        resourceVersion: status.resourceVersion!,
        atomic: status.atomic!,
        kubernetesVersion: version ?? "",
        createdAt: startTime.toISOString(),
      },
      backup,
      { warnings: status.warnings ?? [], errors: status.errors ?? [] },
    );
  } catch (err) {
    return fail(
      opts.writer,
      { ...run, completionTime: now() },
      `storing the backup failed: ${(err as Error).message}`,
    );
  }
  return finalStatus({ ...run, completionTime, stored });
}

/** A Failed status, after the writer dropped whatever it had (nothing partial is left). */
async function fail(
  writer: BackupWriter,
  f: Omit<
    Parameters<typeof finalStatus>[0],
    "fatal" | "itemsTotal" | "itemsBackedUp" | "resources" | "resourceVersion"
  > &
    Partial<Parameters<typeof finalStatus>[0]>,
  message: string,
): Promise<BackupStatus> {
  await writer.abort().catch(() => undefined);
  return finalStatus({
    itemsTotal: 0,
    itemsBackedUp: 0,
    resources: [],
    resourceVersion: "",
    ...f,
    fatal: true,
    errors: [...f.errors, { message }],
  });
}

/** Objects the planned resources hold at the revision: what progress counts towards. */
async function estimate(
  rest: KubeRest,
  plan: readonly PlannedResource[],
  namespaces: readonly string[],
  rv: string,
): Promise<number> {
  let total = 0;
  for (const p of plan) {
    if (!p.inResourceSet) continue;
    const where = p.info.namespaced && namespaces.length > 0 ? namespaces : [undefined];
    for (const namespace of where) {
      total += (await countAt(rest, p.info, { resourceVersion: rv, namespace })) ?? 0;
    }
  }
  return total;
}

class ProgressReporter {
  private items = 0;
  private estimate?: number;
  private done = new Set<string>();
  private total = 0;
  private lastReport = 0;
  private stopped = false;

  constructor(private readonly report?: (p: BackupProgress) => void) {}

  start(resources: number) {
    this.total = resources;
    this.emit(true);
  }
  /** The run is over: a late estimate must not print after the result. */
  stop() {
    this.stopped = true;
  }
  restart() {
    this.items = 0;
    this.done.clear();
  }
  estimated(n: number) {
    this.estimate = n;
    this.emit(true);
  }
  item() {
    this.items++;
    this.emit(false);
  }
  resourcePage(planned: PlannedResource) {
    this.done.add(planned.key);
    this.emit(false);
  }
  private emit(force: boolean) {
    if (!this.report || this.stopped) return;
    // Reports at most ten times a second: a TTY line, not a log per object.
    const t = Date.now();
    if (!force && t - this.lastReport < 100) return;
    this.lastReport = t;
    this.report({
      itemsBackedUp: this.items,
      itemsTotal: this.estimate,
      resourcesDone: this.done.size,
      resourcesTotal: this.total,
    });
  }
}
