// The vocabulary every package shares about Kubernetes objects: their raw JSON shape, the
// group/version/resource they are served under, the keys they are known by and the canonical
// JSON their hashes are taken of. Defined once here, at the bottom of the dependency graph, so
// that kube (which reads and writes objects), core (which decides about them) and the services
// (which pass them from one to the other) all speak of the same types without conversions.

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

/** Who wrote which part of an object (server-side apply's bookkeeping); fieldsV1 left out. */
export interface ManagedFieldsEntry {
  manager?: string;
  operation?: string;
  subresource?: string;
  time?: string;
}

/** The metadata fields livesync reads or writes; every other field passes through untouched. */
export interface ObjectMeta {
  name: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  ownerReferences?: OwnerReference[];
  managedFields?: ManagedFieldsEntry[];
  [key: string]: unknown;
}

/** The raw JSON shape of any Kubernetes object, as the apiserver serves it. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  [key: string]: unknown;
}

/** Group/version/resource; group "" is the core group. */
export interface Gvr {
  group: string;
  version: string;
  resource: string;
}

/** A Gvr as a spec may write it: the group left out means the core group. */
export type GvrRef = Omit<Gvr, "group"> & { group?: string };

/** The apiVersion of the objects of a resource: "apps/v1", or "v1" for the core group. */
export const groupVersion = ({ group, version }: Pick<GvrRef, "group" | "version">): string =>
  group ? `${group}/${version}` : version;

/** "apps/v1/deployments", or "v1/configmaps" for the core group. */
export const gvrKey = (gvr: GvrRef): string => `${groupVersion(gvr)}/${gvr.resource}`;

/**
 * "apps/deployments" or "services": what makes two entries the same objects. The version is left
 * out because one object is served under every version of its resource.
 */
export const groupResource = ({ group, resource }: Pick<GvrRef, "group" | "resource">): string =>
  group ? `${group}/${resource}` : resource;

/**
 * "<namespace>/<name>" of an object in a cluster, the key caches and messages know it by; the
 * namespace is empty for cluster-scoped objects ("/<name>").
 */
export const namespacedName = (namespace: string | undefined, name: string): string =>
  `${namespace ?? ""}/${name}`;

/** namespacedName of an object. */
export const namespacedNameOf = (o: { metadata: Pick<ObjectMeta, "namespace" | "name"> }) =>
  namespacedName(o.metadata.namespace, o.metadata.name);

/**
 * The namespace a manifest's object lives in: kubectl's "default" when metadata.namespace is
 * absent (unlike namespacedName, which reads objects as a cluster serves them).
 */
export const namespaceOf = (obj: { metadata?: Pick<ObjectMeta, "namespace"> }): string =>
  obj.metadata?.namespace || "default";

/** "<namespace>/<name>", the key livesync objects are known by (namespace as in namespaceOf). */
export const objectKey = (obj: { metadata: Pick<ObjectMeta, "namespace" | "name"> }): string =>
  `${namespaceOf(obj)}/${obj.metadata.name}`;

/**
 * Deterministic JSON: object keys sorted by code unit, arrays kept in order, otherwise as
 * JSON.stringify (undefined/functions dropped from objects, null in arrays, toJSON honoured).
 * Two objects that differ only in key order serialise identically, so hashes are stable.
 */
export function canonicalJson(value: unknown): string {
  const out = ser(value, true);
  return out === undefined ? "null" : out;
}

function ser(v: unknown, inArray: boolean): string | undefined {
  if (
    v !== null &&
    typeof v === "object" &&
    typeof (v as { toJSON?: unknown }).toJSON === "function"
  ) {
    v = (v as { toJSON(): unknown }).toJSON();
  }
  if (v === undefined || typeof v === "function" || typeof v === "symbol") {
    return inArray ? "null" : undefined;
  }
  if (v === null || typeof v !== "object") return JSON.stringify(v); // throws for bigint, like JSON
  if (Array.isArray(v)) return `[${v.map((x) => ser(x, true)).join(",")}]`;
  const parts: string[] = [];
  for (const k of Object.keys(v).sort()) {
    const s = ser((v as Record<string, unknown>)[k], false);
    if (s !== undefined) parts.push(`${JSON.stringify(k)}:${s}`);
  }
  return `{${parts.join(",")}}`;
}
