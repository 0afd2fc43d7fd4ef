// What the operator writes to each object's status, from what it knows: validation problems,
// cluster access checks and (when the services run in this process) the engine's view.
// Pure: no I/O, unit-tested.

import type { Condition } from "@livesync/api";
import type { LiveSyncStatus } from "@livesync/engine";
import type { AccessReport } from "./access.js";
import { condition, mergeConditions, type RawObject } from "./objects.js";

export interface LiveSyncFacts {
  /** Validation problems ("path: message"); any makes the spec invalid. */
  invalid: string[];
  source?: { name: string; access?: AccessReport };
  destination?: { name: string; access?: AccessReport };
  /**
   * The runtime status: this process's engine's, merged with what the processes of a split
   * deployment report.
   */
  engine?: LiveSyncStatus;
  /** Whether runtime statuses are known here at all (local services, or reports). */
  engineLocal: boolean;
}

/** Access problems that keep a LiveSynchronization from working, as [reason, message]. */
function accessProblems(f: LiveSyncFacts): [string, string][] {
  const out: [string, string][] = [];
  for (const [role, c] of [
    ["source", f.source],
    ["destination", f.destination],
  ] as const) {
    const a = c?.access;
    if (!c || !a) continue;
    const where = `${role} cluster ${c.name}`;
    if (a.unreachable) out.push([a.reason ?? "ClusterUnreachable", `${where}: ${a.unreachable}`]);
    for (const u of a.unknown) out.push(["UnknownResource", `${where}: ${u}`]);
    if (a.denied.length)
      out.push(["Forbidden", `${where}: the credential may not ${a.denied.join(", ")}`]);
  }
  return out;
}

/** The Ready condition's [status, reason, message]: the first blocking reason wins. */
function readiness(
  f: LiveSyncFacts,
  suspended: boolean,
  access: [string, string][],
  runtime: string[],
): [boolean, string, string] {
  const e = f.engine;
  if (f.invalid.length) return [false, "InvalidSpec", f.invalid.join("; ")];
  if (suspended) return [false, "Suspended", "spec.suspend is true: not replicating"];
  if (access.length) return [false, access[0]![0], access.map(([, m]) => m).join("; ")];
  if (!f.engineLocal)
    return [true, "Configured", "valid; clusters reachable with the permissions needed"];
  if (!e) return [false, "Pending", "not started yet"];
  if (e.state === "error") return [false, "StartFailed", e.problems.join("; ")];
  if (runtime.length) return [false, "Degraded", runtime.join("; ")];
  if (e.state === "standby")
    return [true, "Standby", "another replica holds the lease and replicates"];
  return [true, "Replicating", "replicating"];
}

export function liveSyncStatus(o: RawObject, f: LiveSyncFacts): Record<string, unknown> {
  const gen = o.metadata.generation;
  const suspended = (o.spec as { suspend?: boolean } | undefined)?.suspend === true;
  const access = accessProblems(f);
  const e = f.engine;
  const runtime = e?.state === "suspended" ? [] : (e?.problems ?? []);
  const [ok, reason, message] = readiness(f, suspended, access, runtime);

  const conditions: Condition[] = [
    condition("Ready", ok, reason, message, gen),
    condition(
      "Suspended",
      suspended,
      suspended ? "Suspended" : "NotSuspended",
      `spec.suspend is ${suspended}`,
      gen,
    ),
    condition(
      "Degraded",
      runtime.length > 0,
      runtime.length ? "Problems" : "NoProblems",
      runtime.join("; ") || "no runtime problems",
      gen,
    ),
  ];
  const src = f.source?.access;
  if (src && !src.unreachable) {
    // A warning, not an error: replication works, but a read-only credential is the safe one.
    const rw = src.writable;
    conditions.push(
      condition(
        "SourceReadOnly",
        rw.length === 0,
        rw.length ? "CredentialCanWrite" : "ReadOnly",
        rw.length
          ? `the source credential (KubernetesCluster ${f.source!.name}) can ${rw.join(", ")}; livesync never writes to the source and read-only (get, list, watch) suffices: use a read-only credential`
          : "the source credential is read-only",
        gen,
      ),
    );
  }
  const synced = e?.synced ?? 0;
  const failed = e?.failed ?? 0;
  return {
    ...(gen !== undefined ? { observedGeneration: gen } : {}),
    conditions: mergeConditions(o.status?.conditions, conditions),
    ...(f.engineLocal
      ? {
          synced,
          failed,
          outOfSync: failed + (e?.lastReconcile?.missing ?? 0) + (e?.lastReconcile?.stale ?? 0),
        }
      : {}),
  };
}

/** KubernetesCluster and Bucket: Ready when valid and reachable. */
export function assetStatus(
  o: RawObject,
  invalid: string[],
  reachability: { error?: string; reason?: string; detail?: string } | undefined,
): Record<string, unknown> {
  const gen = o.metadata.generation;
  const conditions = invalid.length
    ? [condition("Ready", false, "InvalidSpec", invalid.join("; "), gen)]
    : !reachability
      ? [condition("Ready", false, "Checking", "checking connectivity", gen)]
      : reachability.error
        ? [condition("Ready", false, reachability.reason ?? "Unreachable", reachability.error, gen)]
        : [condition("Ready", true, "Reachable", reachability.detail ?? "reachable", gen)];
  return {
    ...(gen !== undefined ? { observedGeneration: gen } : {}),
    conditions: mergeConditions(o.status?.conditions, conditions),
  };
}

/** Whether `next` would change `current` (lastTransitionTime is kept by mergeConditions). */
export function statusChanged(
  current: Record<string, unknown> | undefined,
  next: Record<string, unknown>,
): boolean {
  return Object.entries(next).some(
    ([k, v]) => JSON.stringify((current ?? {})[k]) !== JSON.stringify(v),
  );
}
