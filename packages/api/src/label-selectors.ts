// Whether two Kubernetes label selectors can select the same object, decided exactly: every
// requirement constrains one key, keys are independent, and no list of values in a selector
// exhausts the possible label values, so two selectors are disjoint exactly when, for some key,
// the requirements of both together admit no state of that key (neither "absent" nor any value).

import type { LabelSelector, LabelSelectorRequirement } from "./types.js";

/** The values a key may have when present: only these, or anything except these. */
type Values = { only: ReadonlySet<string> } | { except: ReadonlySet<string> };

/** What the requirements on one key allow. */
interface KeyConstraint {
  mayBeAbsent: boolean;
  values: Values;
}

const ANY_VALUE: Values = { except: new Set() };
const NO_VALUE: Values = { only: new Set() };

const allows = (values: Values, v: string): boolean =>
  "only" in values ? values.only.has(v) : !values.except.has(v);

function intersectValues(a: Values, b: Values): Values {
  if ("only" in a) return { only: new Set([...a.only].filter((v) => allows(b, v))) };
  if ("only" in b) return intersectValues(b, a);
  return { except: new Set([...a.except, ...b.except]) };
}

const strings = (v: unknown): string[] | undefined =>
  Array.isArray(v) && v.every((s) => typeof s === "string") ? v : undefined;

/** Kubernetes semantics: NotIn and DoesNotExist also hold for objects without the key. */
const OPERATORS: Record<
  LabelSelectorRequirement["operator"],
  { takesValues: boolean; allows(values: string[]): KeyConstraint }
> = {
  In: {
    takesValues: true,
    allows: (v) => ({ mayBeAbsent: false, values: { only: new Set(v) } }),
  },
  NotIn: {
    takesValues: true,
    allows: (v) => ({ mayBeAbsent: true, values: { except: new Set(v) } }),
  },
  Exists: { takesValues: false, allows: () => ({ mayBeAbsent: false, values: ANY_VALUE }) },
  DoesNotExist: { takesValues: false, allows: () => ({ mayBeAbsent: true, values: NO_VALUE }) },
};

/**
 * The constraint of one matchExpressions entry, or undefined for one validation rejects
 * (unknown operator, missing or extra values): ignoring it only widens the selection, which
 * keeps the answer on the safe "may overlap" side.
 */
function expressionConstraint(e: unknown): [string, KeyConstraint] | undefined {
  if (typeof e !== "object" || e === null) return undefined;
  const { key, operator, values: raw } = e as Record<string, unknown>;
  const op = Object.hasOwn(OPERATORS, String(operator))
    ? OPERATORS[operator as keyof typeof OPERATORS]
    : undefined;
  const values = strings(raw ?? []);
  if (typeof key !== "string" || !op || !values) return undefined;
  return op.takesValues === values.length > 0 ? [key, op.allows(values)] : undefined;
}

/** Every requirement of a selector, matchLabels entries being `key In [value]`. */
function constraintsOf(sel: LabelSelector | undefined): [string, KeyConstraint][] {
  const out: [string, KeyConstraint][] = [];
  const labels = sel?.matchLabels;
  if (typeof labels === "object" && labels !== null)
    for (const [key, value] of Object.entries(labels))
      if (typeof value === "string") out.push([key, OPERATORS.In.allows([value])]);
  const expressions = sel?.matchExpressions;
  if (Array.isArray(expressions))
    for (const e of expressions as unknown[]) {
      const c = expressionConstraint(e);
      if (c) out.push(c);
    }
  return out;
}

const unsatisfiable = (c: KeyConstraint): boolean =>
  !c.mayBeAbsent && "only" in c.values && c.values.only.size === 0;

/**
 * True when no labels can satisfy both selectors, e.g. `a=x` vs `a NotIn [x]`, `a In [x,y]` vs
 * `a In [z]`, `a Exists` vs `a DoesNotExist`. Tolerates unvalidated input (never throws).
 */
export function labelSelectorsDisjoint(a?: LabelSelector, b?: LabelSelector): boolean {
  const byKey = new Map<string, KeyConstraint>();
  for (const [key, c] of [...constraintsOf(a), ...constraintsOf(b)]) {
    const prev = byKey.get(key);
    const next = prev
      ? {
          mayBeAbsent: prev.mayBeAbsent && c.mayBeAbsent,
          values: intersectValues(prev.values, c.values),
        }
      : c;
    if (unsatisfiable(next)) return true;
    byKey.set(key, next);
  }
  return false;
}
