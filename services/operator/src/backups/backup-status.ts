// The statuses the Backup controller writes besides the snapshot's own, pure.

import { parseDuration, type BackupPhase, type BackupStatus } from "@livesync/api";
import { condition } from "../objects.js";

/** What a Backup without spec.ttl keeps for. */
export const DEFAULT_TTL = "720h";

/** completion + ttl (the default when absent or malformed). */
export function expirationOf(completion: Date, ttl: string | undefined): string {
  const ms = (ttl !== undefined ? parseDuration(ttl) : undefined) ?? parseDuration(DEFAULT_TTL)!;
  return new Date(completion.getTime() + ms).toISOString();
}

/** A Backup that failed before or outside the snapshot: why, and when it expires. */
export function failedStatus(
  reason: string,
  message: string,
  now: Date,
  ttl: string | undefined,
): BackupStatus {
  return {
    phase: "Failed",
    completionTime: now.toISOString(),
    expiration: expirationOf(now, ttl),
    conditions: [condition("Succeeded", false, reason, message)],
  };
}

/** The snapshot's final status, with the expiration (if it set none) and a condition. */
export function finalStatus(s: BackupStatus, now: Date, ttl: string | undefined): BackupStatus {
  const phase: BackupPhase = s.phase === "InProgress" || !s.phase ? "Failed" : s.phase;
  const completion = s.completionTime ? new Date(s.completionTime) : now;
  const errors = s.errors?.length ?? 0;
  const message =
    phase === "Completed"
      ? `${s.itemsBackedUp ?? 0} items backed up${s.atomic === false ? " (not all at one resourceVersion: see nonAtomicResources)" : ""}`
      : `${s.itemsBackedUp ?? 0} of ${s.itemsTotal ?? "?"} items backed up, ${errors} errors${errors ? `: ${s.errors![0]!.message}` : ""}`;
  return {
    ...s,
    phase,
    completionTime: completion.toISOString(),
    expiration: s.expiration ?? expirationOf(completion, ttl),
    conditions: [
      ...(s.conditions ?? []).filter((c) => c.type !== "Succeeded"),
      condition("Succeeded", phase === "Completed", phase, message),
    ],
  };
}
