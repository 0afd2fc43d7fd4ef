// Which source objects a replication resource selects (filters of a LiveSynchronization
// resource entry), with Kubernetes label-selector semantics.

import type { KubeObject, LabelSelector, ResourceFilters } from "./types.js";

/** Namespaces that belong to the cluster itself; their contents are never replicated. */
export const SYSTEM_NAMESPACES: readonly string[] = [
  "kube-system",
  "kube-public",
  "kube-node-lease",
];

export function isSystemNamespace(ns: string | undefined): boolean {
  return ns !== undefined && SYSTEM_NAMESPACES.includes(ns);
}

/**
 * Kubernetes semantics: an undefined or empty selector matches everything; otherwise every
 * matchLabels entry AND every expression must hold. NotIn and DoesNotExist match objects
 * without the key, as in Kubernetes. An unknown operator matches nothing (fail closed: better
 * to replicate too little than something the user excluded).
 */
export function matchesLabelSelector(
  sel: LabelSelector | undefined,
  labels: Record<string, string> | undefined,
): boolean {
  if (!sel) return true;
  const l = labels ?? {};
  for (const [k, v] of Object.entries(sel.matchLabels ?? {})) {
    if (!Object.hasOwn(l, k) || l[k] !== v) return false;
  }
  for (const e of sel.matchExpressions ?? []) {
    const has = Object.hasOwn(l, e.key);
    const values = e.values ?? [];
    switch (e.operator) {
      case "In":
        if (!has || !values.includes(l[e.key] as string)) return false;
        break;
      case "NotIn":
        if (has && values.includes(l[e.key] as string)) return false;
        break;
      case "Exists":
        if (!has) return false;
        break;
      case "DoesNotExist":
        if (has) return false;
        break;
      default:
        return false;
    }
  }
  return true;
}

/** True when the selector constrains anything (an empty selector selects everything). */
export function isEmptySelector(sel: LabelSelector | undefined): boolean {
  return (
    !sel ||
    (Object.keys(sel.matchLabels ?? {}).length === 0 && (sel.matchExpressions ?? []).length === 0)
  );
}

export interface CompiledFilters {
  /** namespaceSelector against the labels of the object's namespace (namespaced kinds only). */
  matchesNamespace(nsLabels: Record<string, string> | undefined): boolean;
  /** selector on the object's labels AND nameSelector on its name. */
  matchesObject(obj: KubeObject): boolean;
  /** The caller must look up namespace labels (watch Namespaces) only when this is true. */
  usesNamespaceSelector: boolean;
}

/** Thrown by compileFilters for filters that cannot be evaluated; `path` locates the field. */
export class FilterError extends Error {
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(`${path}: ${message}`);
    this.name = "FilterError";
  }
}

function validateSelector(sel: LabelSelector | undefined, path: string): void {
  (sel?.matchExpressions ?? []).forEach((e, i) => {
    const p = `${path}.matchExpressions[${i}]`;
    const n = e.values?.length ?? 0;
    switch (e.operator) {
      case "In":
      case "NotIn":
        if (n === 0) throw new FilterError(p, `operator ${e.operator} needs at least one value`);
        break;
      case "Exists":
      case "DoesNotExist":
        if (n > 0) throw new FilterError(p, `operator ${e.operator} takes no values`);
        break;
      default:
        throw new FilterError(
          p,
          `unknown operator ${JSON.stringify(e.operator)} (In, NotIn, Exists, DoesNotExist)`,
        );
    }
  });
}

/**
 * Decision: nameSelector regexes are anchored FULL matches of the object name (`config.*`
 * selects `config-a` but not `my-config`), compiled as `^(?:re)$`. An unanchored search would make
 * `excludeRegex: ["test"]` exclude `latest-app`, which surprises users far more than having
 * to write `.*test.*`. Case-sensitive, like Kubernetes names.
 */
function compileRegexes(res: string[] | undefined, path: string): RegExp[] | undefined {
  if (res === undefined) return undefined;
  return res.map((re, i) => {
    try {
      // Compiled alone first: `)|(.*` is invalid by itself but would escape the anchors.
      new RegExp(re);
      return new RegExp(`^(?:${re})$`);
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err);
      throw new FilterError(
        `${path}[${i}]`,
        `invalid regular expression ${JSON.stringify(re)}: ${why}`,
      );
    }
  });
}

/** Compiles filters once per resource entry; throws FilterError on invalid input. */
export function compileFilters(filters: ResourceFilters | undefined): CompiledFilters {
  const f = filters ?? {};
  validateSelector(f.namespaceSelector, "namespaceSelector");
  validateSelector(f.selector, "selector");
  const include = compileRegexes(f.nameSelector?.regex, "nameSelector.regex");
  const exclude = compileRegexes(f.nameSelector?.excludeRegex, "nameSelector.excludeRegex") ?? [];
  const nsSel = f.namespaceSelector;
  const sel = f.selector;
  return {
    usesNamespaceSelector: !isEmptySelector(nsSel),
    matchesNamespace: (nsLabels) => matchesLabelSelector(nsSel, nsLabels),
    matchesObject(obj) {
      if (!matchesLabelSelector(sel, obj.metadata.labels)) return false;
      const name = obj.metadata.name;
      // No `regex` selects every name; an empty `regex: []` list therefore also selects all.
      if (include && include.length > 0 && !include.some((r) => r.test(name))) return false;
      // Exclusion wins over inclusion.
      return !exclude.some((r) => r.test(name));
    },
  };
}
