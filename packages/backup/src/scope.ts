// What a backup holds, from its spec: which resources are listed (the plan) and which of the
// listed objects are kept. Pure: the resources come from discovery (discover.ts), the objects
// from the snapshot.

import { gvrKey, type BackupSpec, type KubeObject } from "@livesync/api";
import {
  compileFilters,
  compileSelection,
  selectRule,
  type CoverageRule,
  type CompiledFilters,
} from "@livesync/core";
import type { ResourceInfo } from "@livesync/kube";
import { neverRestoredReason } from "./never-restored.js";

export interface BackupScope {
  /** Namespaces asked for by name (empty: every namespace not excluded). */
  includedNamespaces: readonly string[];
  /** Whether cluster-scoped objects (other than the Namespaces in scope) are kept. */
  includeClusterResources: boolean;
  /** Whether the user listed resources (otherwise: every listable resource). */
  explicitResources: boolean;
  /** Whether some resources[] entry has a namespaceSelector. */
  needsNamespaceLabels: boolean;
  namespaceInScope(namespace: string): boolean;
  /** The resources[] rules for a resource (by gvrKey); none for the default resource set. */
  rulesFor(key: string): CoverageRule[] | undefined;
  labelSelector: CompiledFilters;
}

/** Compiles the spec's scope once; throws FilterError (with a field path) on invalid filters. */
export function compileScope(spec: BackupSpec): BackupScope {
  const included = spec.includedNamespaces ?? [];
  const excluded = new Set(spec.excludedNamespaces ?? []);
  const entries = (spec.resources ?? []).map((r) => ({ ...r, group: r.group ?? "" }));
  const selection = compileSelection(entries);
  const rules = new Map(selection.resources.map((r) => [r.key, r.rules]));
  return {
    includedNamespaces: included,
    includeClusterResources: spec.includeClusterResources ?? included.length === 0,
    explicitResources: entries.length > 0,
    needsNamespaceLabels: selection.needsNamespaceLabels,
    namespaceInScope: (ns) => (included.length === 0 || included.includes(ns)) && !excluded.has(ns),
    rulesFor: (key) => rules.get(key),
    labelSelector: compileFilters({ selector: spec.labelSelector }),
  };
}

export const isNamespaces = (r: Pick<ResourceInfo, "group" | "resource">) =>
  r.group === "" && r.resource === "namespaces";

/** One resource to list, and whether its objects are kept (the Namespaces may be a lookup). */
export interface PlannedResource {
  info: ResourceInfo;
  /** gvrKey of the resource. */
  key: string;
  /** False for Namespaces listed only for their labels or for the included ones. */
  inResourceSet: boolean;
}

export interface PlanNote {
  info: Pick<ResourceInfo, "group" | "version" | "resource">;
  message: string;
}

/**
 * The resources to list, Namespaces first (their labels serve namespaceSelectors, and restore
 * needs them before anything they hold), from what discovery resolved: every listable resource
 * for the default set, or the spec's resources. Never-restored resources are left out (a note
 * when the spec named one), as are cluster-scoped resources when they are not included.
 */
export function planResources(
  scope: BackupScope,
  resolved: readonly ResourceInfo[],
): { plan: PlannedResource[]; notes: PlanNote[] } {
  const notes: PlanNote[] = [];
  const plan: PlannedResource[] = [];
  const seen = new Set<string>();
  for (const info of resolved) {
    const key = gvrKey(info);
    if (seen.has(key)) continue;
    seen.add(key);
    if (neverRestoredReason(info) !== undefined) {
      if (scope.explicitResources) {
        notes.push({ info, message: `never backed up: ${neverRestoredReason(info)}` });
      }
      continue;
    }
    if (!scope.explicitResources && !info.verbs.includes("watch")) continue;
    if (!info.namespaced && !isNamespaces(info) && !scope.includeClusterResources) continue;
    plan.push({ info, key, inResourceSet: true });
  }
  const namespacesNeeded =
    scope.includedNamespaces.length > 0 ||
    scope.needsNamespaceLabels ||
    plan.some((p) => isNamespaces(p.info));
  const rest = plan.filter((p) => !isNamespaces(p.info));
  const listed = plan.find((p) => isNamespaces(p.info));
  if (!namespacesNeeded) return { plan: rest, notes };
  return { plan: [listed ?? namespacesLookup(), ...rest], notes };
}

function namespacesLookup(): PlannedResource {
  return {
    key: "v1/namespaces",
    inResourceSet: false,
    info: {
      group: "",
      version: "v1",
      resource: "namespaces",
      kind: "Namespace",
      namespaced: false,
      verbs: ["list", "watch"],
    },
  };
}

/**
 * Whether a listed object is kept. Namespace objects follow the namespace scope (an included
 * namespace's Namespace object is always kept: restore needs it); other objects must be in a
 * namespace in scope (or cluster-scoped with includeClusterResources), match the label
 * selector and a resources[] entry's filters.
 */
export function selects(
  scope: BackupScope,
  planned: PlannedResource,
  obj: KubeObject,
  namespaceLabels: (namespace: string) => Record<string, string> | undefined,
): boolean {
  const { info } = planned;
  const matches = () => {
    if (!planned.inResourceSet || !scope.labelSelector.matchesObject(obj)) return false;
    const rules = scope.rulesFor(planned.key);
    return !rules || selectRule(rules, obj, info.namespaced, namespaceLabels) !== undefined;
  };
  if (isNamespaces(info)) {
    const name = obj.metadata.name;
    if (!scope.namespaceInScope(name)) return false;
    return scope.includedNamespaces.includes(name) || matches();
  }
  if (info.namespaced) {
    const ns = obj.metadata.namespace;
    if (ns === undefined || !scope.namespaceInScope(ns)) return false;
  } else if (!scope.includeClusterResources) {
    return false;
  }
  return matches();
}
