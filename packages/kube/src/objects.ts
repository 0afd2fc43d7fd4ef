import { groupVersion, type KubeObject } from "@livesync/api";
import { isNotFound } from "./errors.js";
import { collectionPath, objectPath, type ResourceInfo } from "./resources.js";
import type { KubeRest } from "./rest.js";

export type { KubeObject };

export interface ObjectList {
  items: KubeObject[];
  resourceVersion: string;
}

export interface ListOptions {
  namespace?: string;
  labelSelector?: string;
  pageSize?: number;
  /** Only metadata (PartialObjectMetadata): a fraction of the bytes when specs do not matter. */
  metadataOnly?: boolean;
}

/** Accept header of a metadata-only (PartialObjectMetadataList) list. */
export const METADATA_ONLY = "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1";

/**
 * Lists page by page, handing each page over before fetching the next, so a caller that keeps
 * only what it needs never holds the whole collection. Returns the list's resourceVersion. A
 * failed page fails the whole list: callers must never act on a partial one.
 */
export async function listPages(
  rest: KubeRest,
  info: ResourceInfo,
  opts: ListOptions,
  onPage: (items: KubeObject[]) => void | Promise<void>,
): Promise<string> {
  let continueToken: string | undefined;
  let resourceVersion = "";
  // List items carry no apiVersion/kind; put them back so objects are self-describing.
  const apiVersion = groupVersion(info);
  do {
    const page = await rest.request<{
      items: KubeObject[];
      metadata: { resourceVersion: string; continue?: string };
    }>("GET", collectionPath(info, opts.namespace), {
      query: {
        limit: opts.pageSize ?? 500,
        continue: continueToken,
        labelSelector: opts.labelSelector,
      },
      accept: opts.metadataOnly ? METADATA_ONLY : undefined,
    });
    // An empty metadata-only list may come back with `items: null`.
    await onPage((page.items ?? []).map((item) => ({ ...item, apiVersion, kind: info.kind })));
    resourceVersion = page.metadata.resourceVersion;
    continueToken = page.metadata.continue || undefined;
  } while (continueToken);
  return resourceVersion;
}

/** Lists every page into memory (see listPages). */
export async function listAll(
  rest: KubeRest,
  info: ResourceInfo,
  opts: ListOptions = {},
): Promise<ObjectList> {
  const items: KubeObject[] = [];
  const resourceVersion = await listPages(rest, info, opts, (page) => void items.push(...page));
  return { items, resourceVersion };
}

export async function getObject(
  rest: KubeRest,
  info: ResourceInfo,
  namespace: string | undefined,
  name: string,
): Promise<KubeObject | undefined> {
  try {
    return await rest.request<KubeObject>("GET", objectPath(info, namespace, name));
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

/**
 * A plain create (POST): 409 AlreadyExists when any object has the name, so it never takes over
 * one that is there. The fields it sets are owned by an Update entry of `fieldManager`.
 */
export function createObject(
  rest: KubeRest,
  info: ResourceInfo,
  obj: KubeObject,
  opts: { fieldManager: string },
): Promise<KubeObject> {
  return rest.request<KubeObject>("POST", collectionPath(info, obj.metadata.namespace), {
    query: { fieldManager: opts.fieldManager },
    body: obj,
  });
}

/**
 * Server-side apply. `resourceVersion` (of the copy we read) makes it an optimistic-locked write:
 * a concurrent writer turns it into 409 Conflict instead of a lost update. It does not stop an
 * apply from creating the object when it is gone meanwhile; `uid` does (409 "uid mismatch").
 */
export function applyObject(
  rest: KubeRest,
  info: ResourceInfo,
  obj: KubeObject,
  opts: {
    fieldManager: string;
    resourceVersion?: string;
    uid?: string;
    dryRun?: boolean;
    force?: boolean;
  },
): Promise<KubeObject> {
  const pins = {
    ...(opts.resourceVersion ? { resourceVersion: opts.resourceVersion } : {}),
    ...(opts.uid ? { uid: opts.uid } : {}),
  };
  const body = Object.keys(pins).length ? { ...obj, metadata: { ...obj.metadata, ...pins } } : obj;
  return rest.request<KubeObject>(
    "PATCH",
    objectPath(info, obj.metadata.namespace, obj.metadata.name),
    {
      query: {
        fieldManager: opts.fieldManager,
        force: opts.force ?? true,
        dryRun: opts.dryRun ? "All" : undefined,
      },
      body,
      contentType: "application/apply-patch+yaml",
    },
  );
}

/**
 * Replaces the whole object (PUT), pinned to `resourceVersion`: fields the new object lacks are
 * gone, and the apiserver defaults it afresh. Server-side apply cannot do this for fields it
 * does not own (a defaulted `strategy.rollingUpdate` would survive a restore to `Recreate`).
 */
export function replaceObject(
  rest: KubeRest,
  info: ResourceInfo,
  obj: KubeObject,
  opts: { fieldManager: string; resourceVersion: string; dryRun?: boolean },
): Promise<KubeObject> {
  return rest.request<KubeObject>(
    "PUT",
    objectPath(info, obj.metadata.namespace, obj.metadata.name),
    {
      query: { fieldManager: opts.fieldManager, dryRun: opts.dryRun ? "All" : undefined },
      body: { ...obj, metadata: { ...obj.metadata, resourceVersion: opts.resourceVersion } },
    },
  );
}

/** Deletes in the background, only if the object is still the one we saw (uid precondition). */
export async function deleteObject(
  rest: KubeRest,
  info: ResourceInfo,
  namespace: string | undefined,
  name: string,
  preconditions: { uid?: string; resourceVersion?: string } = {},
): Promise<boolean> {
  try {
    await rest.request("DELETE", objectPath(info, namespace, name), {
      body: {
        kind: "DeleteOptions",
        apiVersion: "v1",
        propagationPolicy: "Background",
        preconditions,
      },
    });
    return true;
  } catch (err) {
    if (isNotFound(err)) return false;
    throw err;
  }
}
