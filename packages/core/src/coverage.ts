// Which spec.config.replication.resources[] entry covers an object. The events-listener and the
// reconciler must give the same answer, or the reconciler would prune what the listener copies.

import { gvrKey } from "./types.js";
import { sanitize } from "./sanitize.js";
import { compileFilters, isSystemNamespace, type CompiledFilters } from "./selection.js";
import type { Gvr, KubeObject, ResourceFilters } from "./types.js";

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

/** One resource of the source and every resources[] entry (rule) that selects from it. */
export interface SelectedResource {
  /** gvrKey of the resource. */
  key: string;
  gvr: Gvr;
  /** In resources[] order: the first rule that selects an object wins (selectRule). */
  rules: CoverageRule[];
}

export interface ResourceSelection {
  /** In the order of their first entry in resources[]. */
  resources: SelectedResource[];
  /** Whether some entry has a namespaceSelector: then namespace labels must be looked up. */
  needsNamespaceLabels: boolean;
}

/**
 * spec.config.replication.resources compiled once and grouped by resource, so that the
 * events-listener and the reconciler select with the same rules. Throws FilterError.
 */
export function compileSelection(
  entries: readonly (Gvr & { filters?: ResourceFilters })[],
): ResourceSelection {
  const byKey = new Map<string, SelectedResource>();
  entries.forEach((entry, index) => {
    const key = gvrKey(entry);
    let resource = byKey.get(key);
    if (!resource) {
      const gvr = { group: entry.group, version: entry.version, resource: entry.resource };
      byKey.set(key, (resource = { key, gvr, rules: [] }));
    }
    resource.rules.push({ index, filters: compileFilters(entry.filters) });
  });
  return {
    resources: [...byKey.values()],
    needsNamespaceLabels: entries.some((e) => e.filters?.namespaceSelector),
  };
}
