// Whether two nameSelectors can select the same name. Regular expressions cannot be compared in
// general, so only two provable cases count as disjoint; anything else "may overlap".

import type { NameSelector } from "./types.js";

const strings = (v: unknown): string[] =>
  Array.isArray(v) ? v.filter((s): s is string => typeof s === "string") : [];

function compiles(re: string): boolean {
  try {
    new RegExp(re);
    return true;
  } catch {
    return false;
  }
}

/**
 * The filters' semantics (@livesync/core compileFilters): a pattern matches the whole name.
 * Undefined for an invalid pattern (alone first: `)|(.*` would escape the anchors).
 */
const fullMatch = (re: string, name: string): boolean | undefined =>
  compiles(re) ? new RegExp(`^(?:${re})$`).test(name) : undefined;

/** "config-a" or "app\.v1": a pattern that matches exactly one name, which it returns. */
const literalName = (re: string): string | undefined =>
  /^(?:[\w-]|\\\.)+$/.test(re) ? re.replace(/\\\./g, ".") : undefined;

/** False only when the selector certainly drops `name` (an invalid pattern proves nothing). */
function mayKeep(sel: NameSelector | undefined, name: string): boolean {
  const include = strings(sel?.regex);
  const included = include.length === 0 || include.some((re) => fullMatch(re, name) !== false);
  const excluded = strings(sel?.excludeRegex).some((re) => fullMatch(re, name) === true);
  return included && !excluded;
}

/**
 * Every name `a` keeps is dropped by `b`: either each of `a`'s patterns is one of `b`'s
 * exclusions word for word (`regex: [prod-.*]` vs `excludeRegex: [prod-.*]`), or `a` keeps
 * only literal names and `b` (or `a` itself) drops each of them.
 */
function dropsAllOf(a: NameSelector | undefined, b: NameSelector | undefined): boolean {
  const include = strings(a?.regex);
  if (include.length === 0) return false; // `a` keeps every name
  const excludedByB = new Set(strings(b?.excludeRegex).filter(compiles));
  if (include.every((re) => excludedByB.has(re))) return true;
  return include.every((re) => {
    const name = literalName(re);
    return name !== undefined && (!mayKeep(a, name) || !mayKeep(b, name));
  });
}

/** True when no object name can pass both selectors. Never throws on unvalidated input. */
export function nameSelectorsDisjoint(a?: NameSelector, b?: NameSelector): boolean {
  return dropsAllOf(a, b) || dropsAllOf(b, a);
}
