/**
 * livesync's backups and restores as the benches time them: each in a process of its own
 * (livesync-child.ts), whose peak RSS is sampled from outside.
 */
import { join } from "node:path";
import type { BackupStatus, RestoreStatus } from "@livesync/api";
import { BUCKET_NAME } from "@livesync/engine/testing";
import { benchLabels, SEEDED_RESOURCES, type SeedPlan } from "./backup-common.js";
import { measuredChild } from "./processes.js";

/** livesync-child.ts `what` NAME SPEC: its {seconds, status} and peak RSS, or why it failed. */
async function livesyncChild<S>(
  what: string,
  name: string,
  spec: object,
  ...extra: string[]
): Promise<{ error: string } | { seconds: number; status: S; peakRssMB: number }> {
  const script = join(import.meta.dirname, "livesync-child.ts");
  const r = await measuredChild(process.execPath, [
    "--import",
    "tsx",
    script,
    what,
    name,
    JSON.stringify(spec),
    ...extra,
  ]);
  if (r.code !== 0) {
    const why = r.stderr.trim().split("\n").slice(-3).join(" | ");
    return { error: `livesync ${what} failed (exit ${r.code}): ${why}` };
  }
  const out = JSON.parse(r.stdout) as { seconds: number; status: S };
  return { ...out, peakRssMB: r.peakRssMB };
}

/** Peak RSS of the same process loading the same modules and doing nothing. */
export async function idleRssMB(): Promise<number | { error: string }> {
  const r = await livesyncChild("idle", "-", {});
  return "error" in r ? r : r.peakRssMB;
}

/**
 * A livesync backup `name` of the seeded objects (the namespaces, the run's label): of the seeded
 * resources only, or of every resource the namespaces may hold (the default a user gets).
 */
export async function livesyncBackup(plan: SeedPlan, name: string, scope: "seeded" | "all") {
  const resources = SEEDED_RESOURCES.map(({ group, version, resource }) => ({
    group,
    version,
    resource,
  }));
  const r = await livesyncChild<BackupStatus>("backup", name, {
    sourceName: "source",
    bucketName: BUCKET_NAME,
    includedNamespaces: plan.namespaces,
    labelSelector: { matchLabels: benchLabels(plan.run) },
    ...(scope === "seeded" ? { resources } : {}),
  });
  if ("error" in r) return r;
  const s = r.status;
  return {
    seconds: r.seconds,
    itemsPerSecond: (s.itemsBackedUp ?? 0) / r.seconds,
    peakRssMB: r.peakRssMB,
    atomic: s.atomic,
    phase: s.phase,
    items: s.itemsBackedUp,
    ...(s.errors?.length ? { errors: s.errors.slice(0, 5) } : {}),
  };
}

/** A livesync restore `name` of `backup` into the destination with `policy`. */
export async function livesyncRestore(
  plan: SeedPlan,
  backup: string,
  policy: "none" | "revert",
  name: string,
) {
  const spec = {
    destinationName: "destination",
    bucketName: BUCKET_NAME,
    backupName: backup,
    existingResourcePolicy: policy,
  };
  const r = await livesyncChild<RestoreStatus>("restore", name, spec, String(plan.concurrency));
  if ("error" in r) return r;
  const c = r.status.counts ?? { created: 0, updated: 0, deleted: 0, unchanged: 0 };
  // Objects restored: written, or found already equal to the backup.
  const items = c.created + c.updated + c.deleted + c.unchanged;
  return {
    seconds: r.seconds,
    itemsPerSecond: items / r.seconds,
    peakRssMB: r.peakRssMB,
    phase: r.status.phase,
    counts: c,
    ...(r.status.failures?.length ? { failures: r.status.failures.slice(0, 5) } : {}),
  };
}
