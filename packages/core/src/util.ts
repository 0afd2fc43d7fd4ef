// Small helpers shared by the modules (not re-exported: internal).

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Deep copy of JSON data; callers' objects are never mutated. */
export function deepClone<T>(v: T): T {
  return structuredClone(v);
}

/** The API group of an apiVersion ("apps/v1" -> "apps", "v1" -> ""). */
export function groupOf(apiVersion: string): string {
  const i = apiVersion.indexOf("/");
  return i < 0 ? "" : apiVersion.slice(0, i);
}

/** Deletes `key` from a string map and drops the map from `parent` when it becomes empty. */
export function deleteKeys(parent: Record<string, unknown>, field: string, keys: Iterable<string>) {
  const map = parent[field];
  if (!isRecord(map)) return;
  for (const k of keys) delete map[k];
  if (Object.keys(map).length === 0) delete parent[field];
}
