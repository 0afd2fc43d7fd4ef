// The Backup status at the end of a run, from what the run counted (pure).

import type { BackupPhase, BackupProblem, BackupResourceCount, BackupStatus } from "@livesync/api";
import { gvrKey, parseDuration } from "@livesync/api";
import { BACKUP_FORMAT_VERSION, type StoredArchive } from "./format.js";

export const DEFAULT_BACKUP_TTL = "720h";

/** Milliseconds of a Backup's ttl ("720h" when absent); undefined when malformed. */
export function ttlMs(ttl: string | undefined): number | undefined {
  const ms = parseDuration(ttl ?? DEFAULT_BACKUP_TTL);
  return ms !== undefined && ms > 0 ? ms : undefined;
}

/** Failed on a fatal error; PartiallyFailed when some resource or object failed; else Completed. */
export function backupPhase(fatal: boolean, errors: readonly BackupProblem[]): BackupPhase {
  if (fatal) return "Failed";
  return errors.length > 0 ? "PartiallyFailed" : "Completed";
}

export interface RunFigures {
  startTime: Date;
  completionTime: Date;
  ttl?: string;
  fatal: boolean;
  itemsTotal: number;
  itemsBackedUp: number;
  resources: BackupResourceCount[];
  warnings: BackupProblem[];
  errors: BackupProblem[];
  resourceVersion: string;
  kubernetesVersion?: string;
  stored?: StoredArchive;
}

/** The status a finished run reports; atomic only when every resource was listed at R. */
export function finalStatus(f: RunFigures): BackupStatus {
  const nonAtomic = f.resources.filter((r) => !r.atomic).map((r) => gvrKey(r));
  const ttl = ttlMs(f.ttl) ?? ttlMs(DEFAULT_BACKUP_TTL)!;
  const status: BackupStatus = {
    phase: backupPhase(f.fatal, f.errors),
    startTime: f.startTime.toISOString(),
    completionTime: f.completionTime.toISOString(),
    expiration: new Date(f.completionTime.getTime() + ttl).toISOString(),
    itemsTotal: f.itemsTotal,
    itemsBackedUp: f.fatal ? 0 : f.itemsBackedUp,
    resources: f.resources,
    warnings: f.warnings,
    errors: f.errors,
    resourceVersion: f.resourceVersion,
    atomic: nonAtomic.length === 0 && f.resourceVersion !== "",
    nonAtomicResources: nonAtomic,
    formatVersion: BACKUP_FORMAT_VERSION,
  };
  if (f.kubernetesVersion) status.kubernetesVersion = f.kubernetesVersion;
  if (f.stored) {
    status.location = f.stored.location;
    status.sha256 = f.stored.sha256;
    status.size = f.stored.size;
    status.encrypted = f.stored.encrypted;
  }
  return status;
}
