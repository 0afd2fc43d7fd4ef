// Where an archived object lives in the bucket. The upstream documentation fixes the shape
// (docs/upstream-examples.md), so that its users find their objects where they expect them:
//   <bucket_namespace>/<bucket_name>/<object_group-version-resource>/<object_namespace>.<object_name>
// Choices it leaves open:
// - group-version-resource is `${group || "core"}-${version}-${resource}` ("apps-v1-deployments",
//   "core-v1-configmaps"). No real group is named "core": API groups of CRDs must contain a dot.
// - cluster-scoped objects use `_cluster` as namespace ("_cluster.<name>"): a namespace is a DNS
//   label and cannot start with "_", and cannot contain ".", so the first "." splits the segment.

import type { Gvr } from "../types.js";

/** Namespace segment of cluster-scoped objects. */
export const CLUSTER_SCOPE = "_cluster";

export interface ArchiveLocation {
  /** The Bucket CR's metadata.namespace. */
  bucketNamespace: string;
  /** The Bucket CR's metadata.name (not the S3 bucket's name). */
  bucketName: string;
  gvr: Gvr;
  /** Absent (or empty) for cluster-scoped objects. */
  namespace?: string;
  name: string;
}

/** "apps-v1-deployments", "core-v1-configmaps". */
export function gvrSegment(gvr: Gvr): string {
  return `${gvr.group || "core"}-${gvr.version}-${gvr.resource}`;
}

function segment(what: string, value: string): string {
  if (!value || value.includes("/")) {
    throw new Error(`${what} must be non-empty and without "/", got ${JSON.stringify(value)}`);
  }
  return value;
}

/** The object key of one archived object. */
export function archiveKey(loc: ArchiveLocation): string {
  const ns = loc.namespace ? segment("namespace", loc.namespace) : CLUSTER_SCOPE;
  return `${archivePrefix(loc)}${ns}.${segment("name", loc.name)}`;
}

/**
 * "<bucket_namespace>/<bucket_name>/" or, with a gvr, that resource's folder
 * ("<bucket_namespace>/<bucket_name>/<gvr>/"): what recovery lists.
 */
export function archivePrefix(
  loc: Pick<ArchiveLocation, "bucketNamespace" | "bucketName"> & {
    gvr?: Gvr;
  },
): string {
  const base = `${segment("bucket namespace", loc.bucketNamespace)}/${segment("bucket name", loc.bucketName)}/`;
  return loc.gvr ? `${base}${gvrSegment(loc.gvr)}/` : base;
}

export interface ParsedArchiveKey {
  bucketNamespace: string;
  bucketName: string;
  /** The group-version-resource segment as stored ("apps-v1-deployments"). */
  gvrSegment: string;
  /** Undefined for cluster-scoped objects. */
  namespace?: string;
  name: string;
}

/** Inverse of archiveKey (the gvr stays a segment: a group may contain "-"); undefined if not one. */
export function parseArchiveKey(key: string): ParsedArchiveKey | undefined {
  const parts = key.split("/");
  if (parts.length !== 4 || parts.some((p) => !p)) return undefined;
  const [bucketNamespace, bucketName, gvr, object] = parts as [string, string, string, string];
  const dot = object.indexOf(".");
  if (dot <= 0 || dot === object.length - 1) return undefined;
  const ns = object.slice(0, dot);
  const name = object.slice(dot + 1);
  return {
    bucketNamespace,
    bucketName,
    gvrSegment: gvr,
    ...(ns === CLUSTER_SCOPE ? {} : { namespace: ns }),
    name,
  };
}
