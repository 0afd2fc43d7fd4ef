// Field-level differences for the audit: which JSON paths change, from what to what, with the
// values of Secrets never written out. Pure.

import { diffObjects } from "@livesync/recovery";

export interface FieldChange {
  /** JSON pointer of the field, e.g. /spec/replicas. */
  path: string;
  /** Absent when the field is added. */
  from?: unknown;
  /** Absent when the field is removed. */
  to?: unknown;
}

export const REDACTED = "<redacted>";

const SECRET_VALUES = /^\/(data|stringData)(\/|$)/;

function redact(value: unknown): unknown {
  if (value === undefined) return undefined;
  if (typeof value === "object" && value !== null && !Array.isArray(value)) {
    return Object.fromEntries(Object.keys(value).map((k) => [k, REDACTED]));
  }
  return REDACTED;
}

/** What changes from `before` to `after` (both portable copies), Secret values redacted. */
export function fieldChanges(before: object, after: object, isSecret: boolean): FieldChange[] {
  return diffObjects(before, after).map((d) => {
    const hide = isSecret && SECRET_VALUES.test(d.path);
    const change: FieldChange = { path: d.path };
    const from = d.op === "add" ? undefined : d.old;
    const to = d.op === "remove" ? undefined : d.value;
    if (from !== undefined) change.from = hide ? redact(from) : from;
    if (to !== undefined) change.to = hide ? redact(to) : to;
    return change;
  });
}
