// Runs a plan against the destination: tier by tier (parallel inside a tier, bounded), owners
// before the objects they own, CRDs Established before anything else, each `waitFor` group
// waited for before the next one; deletes (revert) last, in reverse tier order.

import { parseDuration, type RestoreWaitGroup } from "@livesync/api";
import { isNotFound } from "@livesync/kube";
import { pool } from "@livesync/recovery";
import type { PlanEntry } from "./plan.js";
import { relinkOwners } from "./prepare.js";
import type { Outcome } from "./result.js";
import { CRD_TIER, FIRST_WAIT_TIER } from "./tiers.js";
import {
  createObject,
  deleteLive,
  failureMessage,
  updateObject,
  waitForCondition,
  writtenObject,
  type WriteContext,
} from "./writes.js";

export interface ExecuteOptions extends WriteContext {
  waitFor?: readonly RestoreWaitGroup[];
  /** Objects written at once within a tier (default 16). */
  concurrency?: number;
  /** How long a new CRD may take to be Established (default 60 s). */
  crdTimeoutMs?: number;
  onProgress?: (done: number, total: number) => void;
}

export const DEFAULT_CONCURRENCY = 16;
const DEFAULT_WAIT_MS = 10 * 60_000;

function byTier(entries: PlanEntry[]): Map<number, PlanEntry[]> {
  const tiers = new Map<number, PlanEntry[]>();
  for (const e of entries) {
    const list = tiers.get(e.tier) ?? [];
    list.push(e);
    tiers.set(e.tier, list);
  }
  return tiers;
}

export async function executePlan(plan: PlanEntry[], opts: ExecuteOptions): Promise<Outcome[]> {
  const limit = Math.max(1, opts.concurrency ?? DEFAULT_CONCURRENCY);
  const outcomes = new Map<PlanEntry, Outcome>();
  let done = 0;
  const record = (o: Outcome) => {
    outcomes.set(o.entry, o);
    opts.onProgress?.(++done, plan.length);
  };

  // Source uid -> destination uid, for ownerReferences; objects already there keep theirs.
  const uids = new Map<string, string>();
  const pending = new Set<string>();
  for (const e of plan) {
    if (!e.item) continue;
    if (e.live) uids.set(e.item.sourceUid, e.live.uid);
    else if (e.action === "create") pending.add(e.item.sourceUid);
  }

  const write = async (e: PlanEntry): Promise<void> => {
    const item = e.item!;
    try {
      const body = writtenObject(item.desired!, opts.restoreName, relinkOwners(item.owners, uids));
      if (e.action === "create") {
        const created = await createObject(opts, e.ref, body).catch((err: unknown) => {
          // In a dry run the namespace or CRD this object needs is not there: created earlier
          // in this same restore, it would be.
          if (opts.dryRun && isNotFound(err)) return undefined;
          throw err;
        });
        if (created?.metadata.uid && !opts.dryRun) uids.set(item.sourceUid, created.metadata.uid);
        const warning = created
          ? undefined
          : "not validated by the API server: what it needs (its namespace or CRD) is created by this restore";
        record({ entry: e, action: "create", ...(warning ? { warning } : {}) });
      } else {
        await updateObject(opts, e.ref, body, e.live!.resourceVersion);
        record({ entry: e, action: "update" });
      }
    } catch (err) {
      record({ entry: e, action: "failed", error: failureMessage(err) });
    } finally {
      pending.delete(item.sourceUid);
    }
  };

  const tiers = byTier(plan.filter((e) => e.action !== "delete"));
  // A waitFor group that did not get ready holds back the groups after it: they depend on it.
  let blocked: string | undefined;
  for (const tier of [...tiers.keys()].sort((a, b) => a - b)) {
    const entries = tiers.get(tier)!;
    if (blocked !== undefined) {
      for (const e of entries) {
        const writes = e.action === "create" || e.action === "update";
        record(
          writes ? { entry: e, action: "failed", error: blocked } : { entry: e, action: e.action },
        );
      }
      continue;
    }
    for (const e of entries)
      if (e.action !== "create" && e.action !== "update") record({ entry: e, action: e.action });
    let todo = entries.filter((e) => e.action === "create" || e.action === "update");
    // Owners first: an object whose owner is still to be created waits for the next wave.
    while (todo.length > 0) {
      const waiting = (e: PlanEntry) =>
        e.item!.owners.some((o) => pending.has(o.uid) && o.uid !== e.item!.sourceUid);
      let ready = todo.filter((e) => !waiting(e));
      if (ready.length === 0) ready = todo; // a cycle: owners that cannot be linked are dropped
      await pool(ready, limit, write);
      todo = todo.filter((e) => !ready.includes(e));
    }
    if (!opts.dryRun && tier === CRD_TIER) await establishCrds(entries, outcomes, opts);
    if (!opts.dryRun && tier >= FIRST_WAIT_TIER) {
      await waitForGroup(entries, outcomes, tier, opts, limit);
      if (entries.some((e) => outcomes.get(e)!.action === "failed")) {
        blocked = `not restored: waitFor group ${tier - FIRST_WAIT_TIER + 1} did not get ready`;
      }
    }
  }

  const deletes = byTier(plan.filter((e) => e.action === "delete"));
  for (const tier of [...deletes.keys()].sort((a, b) => b - a)) {
    await pool(deletes.get(tier)!, limit, async (e) => {
      try {
        await deleteLive(opts, e.ref, e.live!.uid);
        record({ entry: e, action: "delete" });
      } catch (err) {
        if (isNotFound(err)) record({ entry: e, action: "delete", warning: "already gone" });
        else record({ entry: e, action: "failed", error: failureMessage(err) });
      }
    });
  }
  return plan.map((e) => outcomes.get(e)!);
}

/** Waits for the CRDs written to be Established, then forgets cached discovery. */
async function establishCrds(
  entries: PlanEntry[],
  outcomes: Map<PlanEntry, Outcome>,
  opts: ExecuteOptions,
) {
  const written = entries.filter((e) => ["create", "update"].includes(outcomes.get(e)!.action));
  await Promise.all(
    written.map((e) =>
      waitForCondition(opts, e.ref, "Established", opts.crdTimeoutMs ?? 60_000).catch(
        (err: unknown) => {
          outcomes.set(e, {
            entry: e,
            action: "failed",
            error: `written, but ${failureMessage(err)}`,
          });
        },
      ),
    ),
  );
  opts.destination.discovery.invalidate();
}

/** Waits until each object of a `waitFor` group has its condition; one that does not fails. */
async function waitForGroup(
  entries: PlanEntry[],
  outcomes: Map<PlanEntry, Outcome>,
  tier: number,
  opts: ExecuteOptions,
  limit: number,
) {
  const group = opts.waitFor?.[tier - FIRST_WAIT_TIER];
  const condition = group?.condition ?? "Ready";
  const timeoutMs = (group?.timeout ? parseDuration(group.timeout) : undefined) ?? DEFAULT_WAIT_MS;
  const present = entries.filter((e) => outcomes.get(e)!.action !== "failed" && e.item?.desired);
  await pool(present, limit, async (e) => {
    await waitForCondition(opts, e.ref, condition, timeoutMs).catch((err: unknown) => {
      const was = outcomes.get(e)!.action;
      outcomes.set(e, {
        entry: e,
        action: "failed",
        error: `${was === "create" ? "created" : "present"}, but ${failureMessage(err)}`,
      });
    });
  });
}
