// Checks several kinds share: a resource entry's filters (label selectors coherent, name
// regular expressions compile) and %Hh%Mm%Ss durations that must be positive. Used by
// semantic.ts (LiveSynchronization) and backup-semantic.ts (Backup, BackupSchedule, Restore).

import { parseDuration } from "./duration.js";
import { child, isRecord, item } from "./structural.js";

export type Push = (path: string, message: string) => void;

export const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
export const rec = (v: unknown): Record<string, unknown> => (isRecord(v) ? v : {});
export const json = (v: unknown): string => JSON.stringify(v);

/** Calls fn for each element of an array field, with its path. */
export function each(
  parent: Record<string, unknown>,
  key: string,
  path: string,
  fn: (v: unknown, p: string) => void,
) {
  list(parent[key]).forEach((v, i) => fn(v, item(child(path, key), i)));
}

function checkRegexes(nameSelector: Record<string, unknown>, path: string, push: Push) {
  for (const key of ["regex", "excludeRegex"])
    each(nameSelector, key, path, (re, p) => {
      if (typeof re !== "string") return;
      try {
        new RegExp(re);
      } catch (e) {
        // V8: 'Invalid regular expression: /*.test/: Nothing to repeat' -> 'nothing to repeat'
        const msg = (e as Error).message;
        const reason = msg.slice(msg.lastIndexOf(": ") + 2);
        const lowered = reason.charAt(0).toLowerCase() + reason.slice(1);
        push(p, `${json(re)} is not a valid regular expression: ${lowered}`);
      }
    });
}

// Kubernetes label syntax (apimachinery validation.IsQualifiedName / IsValidLabelValue).
const LABEL_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

function validLabelKey(key: string): boolean {
  const slash = key.lastIndexOf("/");
  const [prefix, name] = slash < 0 ? [undefined, key] : [key.slice(0, slash), key.slice(slash + 1)];
  const prefixOk = prefix === undefined || (prefix.length <= 253 && DNS_SUBDOMAIN.test(prefix));
  return prefixOk && name.length <= 63 && LABEL_NAME.test(name);
}
const validLabelValue = (v: string): boolean => v === "" || (v.length <= 63 && LABEL_NAME.test(v));
const badKey = (k: string) =>
  `${json(k)} is not a valid label key: an optional DNS subdomain and "/", then up to 63 letters, digits, "-", "_" or ".", starting and ending with a letter or digit`;
const badValue = (v: string) =>
  `${json(v)} is not a valid label value: up to 63 letters, digits, "-", "_" or ".", starting and ending with a letter or digit`;

export function checkSelector(raw: unknown, path: string, push: Push) {
  if (!isRecord(raw)) return;
  for (const [k, v] of Object.entries(rec(raw.matchLabels))) {
    const p = `${child(path, "matchLabels")}[${k}]`;
    if (!validLabelKey(k)) push(p, badKey(k));
    else if (typeof v === "string" && !validLabelValue(v)) push(p, badValue(v));
  }
  each(raw, "matchExpressions", path, (exprRaw, p) => {
    const expr = rec(exprRaw);
    if (typeof expr.key === "string" && !validLabelKey(expr.key))
      push(child(p, "key"), badKey(expr.key));
    const values = list(expr.values);
    const op = expr.operator;
    if ((op === "In" || op === "NotIn") && values.length === 0)
      push(child(p, "values"), `must be non-empty for operator "${op}"`);
    if ((op === "Exists" || op === "DoesNotExist") && values.length > 0)
      push(child(p, "values"), `must be empty for operator "${op}"`);
    values.forEach((v, i) => {
      if (typeof v === "string" && !validLabelValue(v))
        push(item(child(p, "values"), i), badValue(v));
    });
  });
}

/** The `filters` of a resource entry (LiveSynchronization, Backup, Restore). */
export function checkFilters(raw: unknown, path: string, push: Push) {
  const filters = rec(raw);
  checkSelector(filters.namespaceSelector, child(path, "namespaceSelector"), push);
  checkSelector(filters.selector, child(path, "selector"), push);
  checkRegexes(rec(filters.nameSelector), child(path, "nameSelector"), push);
}

/**
 * Reports an empty or zero duration; returns its milliseconds, or undefined when absent or
 * malformed (the schema pattern reports malformed ones).
 */
export function checkDuration(raw: unknown, path: string, push: Push): number | undefined {
  if (typeof raw !== "string") return undefined;
  if (raw === "") push(path, `"" is not a valid duration: use the %Hh%Mm%Ss format, e.g. "1h0m0s"`);
  const ms = parseDuration(raw);
  if (ms === 0) push(path, `${json(raw)} must be greater than zero`);
  return ms;
}
