// runRestore: one restore from start to end. Everything that can refuse the restore (versions,
// a tampered backup, bad filters, an unreachable destination) runs before the first write, so
// a Failed restore has written nothing; then the plan is executed and the status and the audit
// are written to the bucket.

import type { Backup, RestoreSpec, RestoreStatus } from "@livesync/api";
import type { BackupArchive, BackupItem } from "@livesync/backup";
import type { Cluster } from "@livesync/kube";
import { apiMessage } from "@livesync/recovery";
import { executePlan } from "./execute.js";
import { missingNamespaces, readLive } from "./live.js";
import { planRestore, type PlanEntry } from "./plan.js";
import { prepareItem, type PreparedItem } from "./prepare.js";
import { auditItem, emptyCounts, restoreStatus, type RestoreAudit } from "./result.js";
import { refKey, RestoreScope } from "./scope.js";
import { writeRestoreRecord, type RestoreBucket } from "./record.js";
import { checkRestorable } from "./version.js";

export interface RunRestoreOptions {
  /** The Restore's name: the mark on restored objects and the audit's folder. */
  name: string;
  spec: RestoreSpec;
  destination: Cluster;
  /** Restored in this order; a later backup's object replaces an earlier one's. */
  archives: BackupArchive[];
  /** Where restore.json and audit.json go. */
  bucket?: RestoreBucket;
  /** Objects written at once within a tier (default 16). */
  concurrency?: number;
  onProgress?: (p: {
    phase: "reading" | "planning" | "restoring";
    done: number;
    total: number;
  }) => void;
}

export interface RestoreResult {
  status: RestoreStatus;
  audit: RestoreAudit;
}

/** Reads the destination's Kubernetes version; an unreachable cluster fails here. */
async function destinationVersion(destination: Cluster): Promise<string> {
  try {
    const v = await destination.rest.request<{ gitVersion: string }>("GET", "/version");
    return v.gitVersion;
  } catch (err) {
    throw new Error(`destination ${destination.name} unreachable: ${apiMessage(err)}`);
  }
}

/** Reads every object of every backup (each checked against its index) before anything else. */
async function readAll(
  archives: BackupArchive[],
  onRead: (n: number) => void,
): Promise<BackupItem[]> {
  const byKey = new Map<string, BackupItem>();
  for (const archive of archives) {
    for await (const item of archive.items()) {
      byKey.set(refKey(item.entry), item);
      onRead(byKey.size);
    }
  }
  return [...byKey.values()];
}

interface Prepared {
  plan: PlanEntry[];
  backups: string[];
}

async function prepare(opts: RunRestoreOptions): Promise<Prepared> {
  const { spec, destination, archives } = opts;
  if (archives.length === 0) throw new Error("no backup to restore from");
  const version = await destinationVersion(destination);
  for (const a of archives) checkRestorable(a.index, version, spec.allowVersionSkew ?? false);
  const scope = new RestoreScope(
    spec,
    archives.map((a) => backupSpecOf(a.backup)),
  );
  const total = archives.reduce((n, a) => n + a.index.items.length, 0);
  const read = await readAll(archives, (done) =>
    opts.onProgress?.({ phase: "reading", done, total }),
  );
  const items: PreparedItem[] = read
    .filter(({ entry, object }) => scope.selects({ ...entry }, object))
    .map((item) => prepareItem(item, scope, spec.waitFor));
  opts.onProgress?.({ phase: "planning", done: 0, total: items.length });
  const revert = spec.existingResourcePolicy === "revert";
  const resources = revertResources(archives.map((a) => a.backup));
  items.push(...(await missingNamespaces(destination, items)));
  const live = await readLive(destination, items, scope, { revert, resources });
  const plan = planRestore({
    restoreName: opts.name,
    policy: spec.existingResourcePolicy ?? "none",
    items,
    live: live.byKey,
    deletable: live.deletable,
  });
  return { plan, backups: archives.map((a) => a.backup.metadata.name) };
}

function backupSpecOf(b: Backup) {
  return b.spec ?? { sourceName: "" };
}

/** The resources a revert compares, when every backup names its own; undefined = all served. */
function revertResources(backups: Backup[]) {
  if (!backups.every((b) => b.spec?.resources?.length)) return undefined;
  return backups.flatMap((b) =>
    b.spec.resources!.map((r) => ({
      group: r.group ?? "",
      version: r.version,
      resource: r.resource,
    })),
  );
}

export async function runRestore(opts: RunRestoreOptions): Promise<RestoreResult> {
  const startTime = new Date().toISOString();
  const dryRun = opts.spec.dryRun ?? false;
  const policy = opts.spec.existingResourcePolicy ?? "none";
  let prepared: Prepared;
  try {
    prepared = await prepare(opts);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    const completionTime = new Date().toISOString();
    const backups = opts.archives.map((a) => a.backup.metadata.name);
    const status: RestoreStatus = {
      phase: "Failed",
      startTime,
      completionTime,
      backups,
      dryRun,
      counts: emptyCounts(),
      failures: [{ message }],
    };
    const audit: RestoreAudit = {
      restore: opts.name,
      destination: opts.destination.name,
      dryRun,
      policy,
      phase: "Failed",
      startTime,
      completionTime,
      backups,
      counts: emptyCounts(),
      error: message,
      items: [],
    };
    return writeRestoreRecord(opts, status, audit);
  }
  const outcomes = await executePlan(prepared.plan, {
    destination: opts.destination,
    restoreName: opts.name,
    dryRun,
    waitFor: opts.spec.waitFor,
    concurrency: opts.concurrency,
    onProgress: (done, total) => opts.onProgress?.({ phase: "restoring", done, total }),
  });
  const completionTime = new Date().toISOString();
  const status = restoreStatus(outcomes, {
    startTime,
    completionTime,
    backups: prepared.backups,
    dryRun,
  });
  const audit: RestoreAudit = {
    restore: opts.name,
    destination: opts.destination.name,
    dryRun,
    policy,
    phase: status.phase!,
    startTime,
    completionTime,
    backups: prepared.backups,
    counts: status.counts!,
    items: outcomes.map(auditItem),
  };
  return writeRestoreRecord(opts, status, audit);
}
