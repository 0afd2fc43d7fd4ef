// Which spec.config.replication.resources[] entry covers an object. The events-listener and the
// reconciler must give the same answer, or the reconciler would prune what the listener copies.

import { sanitize } from "./sanitize.js";
import { isSystemNamespace, type CompiledFilters } from "./selection.js";
import type { Gvr, KubeObject } from "./types.js";

export interface CoverageRule {
  /** Index in spec.config.replication.resources. */
  index: number;
  filters: CompiledFilters;
}

/**
 * The first rule selecting `obj`, or undefined. `namespaceLabels` answers for the object's
 * namespace (undefined: unknown namespace, which selects nothing under a namespaceSelector).
 */
export function selectRule(
  rules: readonly CoverageRule[],
  obj: KubeObject,
  namespaced: boolean,
  namespaceLabels: (namespace: string) => Record<string, string> | undefined,
): CoverageRule | undefined {
  const ns = obj.metadata.namespace;
  if (namespaced && isSystemNamespace(ns)) return undefined;
  return rules.find((r) => {
    if (namespaced && r.filters.usesNamespaceSelector) {
      const labels = namespaceLabels(ns ?? "");
      if (!labels || !r.filters.matchesNamespace(labels)) return false;
    }
    return r.filters.matchesObject(obj);
  });
}

/** Covered means selected by a rule and not one of the objects never replicated. */
export function isCovered(
  rules: readonly CoverageRule[],
  obj: KubeObject,
  gvr: Gvr,
  namespaced: boolean,
  namespaceLabels: (namespace: string) => Record<string, string> | undefined,
): boolean {
  return (
    selectRule(rules, obj, namespaced, namespaceLabels) !== undefined &&
    !("skip" in sanitize(obj, gvr))
  );
}
