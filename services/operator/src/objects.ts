// The management cluster's objects as the operator reads them (raw JSON), and small helpers
// shared by its parts: REST paths, keys, conditions.

import { KINDS, objectKey, type Condition, type KindName, type ObjectMeta } from "@livesync/api";

export interface RawObject {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
  spec?: unknown;
  status?: Record<string, unknown>;
  data?: Record<string, string>;
  stringData?: Record<string, string>;
  type?: string;
}

export { namespaceOf as nsOf, objectKey as keyOf } from "@livesync/api";

/** How validation names an object (ManifestProblem.source). */
export const sourceOf = (kind: string, o: { metadata: { name: string; namespace?: string } }) =>
  `${kind}/${objectKey(o)}`;

export function basePath(kind: KindName, namespace?: string): string {
  const k = KINDS[kind];
  const ns = namespace ? `/namespaces/${namespace}` : "";
  return `/apis/${k.group}/${k.version}${ns}/${k.plural}`;
}
export const objectPath = (kind: KindName, namespace: string, name: string) =>
  `${basePath(kind, namespace)}/${name}`;

export const condition = (
  type: string,
  ok: boolean,
  reason: string,
  message: string,
  observedGeneration?: number,
): Condition => ({
  type,
  status: ok ? "True" : "False",
  reason,
  message,
  lastTransitionTime: new Date().toISOString(),
  ...(observedGeneration !== undefined ? { observedGeneration } : {}),
});

/** Keeps lastTransitionTime when a condition's status did not change. */
export function mergeConditions(previous: unknown, next: Condition[]): Condition[] {
  const old = Array.isArray(previous) ? (previous as Condition[]) : [];
  return next.map((c) => {
    const p = old.find((o) => o.type === c.type);
    return p && p.status === c.status ? { ...c, lastTransitionTime: p.lastTransitionTime } : c;
  });
}
