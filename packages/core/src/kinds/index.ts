// Per-kind rules, found by group and kind: one small module per family of kinds (as Velero
// keeps one file per kind in pkg/restore/actions). A new rule goes into its family's table
// here, or a new family module joins the list below.

import { CLUSTER_DEFAULT_RULES } from "./cluster-defaults.js";
import { IDENTITY_RULES } from "./identity.js";
import { NETWORK_RULES } from "./network.js";
import type { KindRule, KindRules } from "./rule.js";
import { STORAGE_RULES } from "./storage.js";
import { WORKLOAD_RULES } from "./workloads.js";

export type { KindRule, KindRules } from "./rule.js";
export { clusterLocalReason } from "./cluster-local.js";
export { DROPPED_ANNOTATIONS, sanitizeMetadata } from "./metadata.js";

/** Merges rule tables; two rules for one key is a programming error, not a silent override. */
export function mergeKindRules(...tables: KindRules[]): ReadonlyMap<string, KindRule> {
  const merged = new Map<string, KindRule>();
  for (const table of tables) {
    for (const [key, rule] of Object.entries(table)) {
      if (merged.has(key)) throw new Error(`two kind rules for ${key}`);
      merged.set(key, rule);
    }
  }
  return merged;
}

/** The replication rules (what sanitize applies), by "<group>/<Kind>" or "<group>/*". */
export const REPLICATION_RULES = mergeKindRules(
  CLUSTER_DEFAULT_RULES,
  WORKLOAD_RULES,
  NETWORK_RULES,
  IDENTITY_RULES,
  STORAGE_RULES,
);

/** The rules that apply to objects of `group`/`kind`: the kind's own, then its group's. */
export function kindRulesFor(
  table: ReadonlyMap<string, KindRule>,
  group: string,
  kind: string,
): KindRule[] {
  return [table.get(`${group}/${kind}`), table.get(`${group}/*`)].filter(
    (r): r is KindRule => r !== undefined,
  );
}
