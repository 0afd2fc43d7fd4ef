// The destination writes of a copy. A copy the destination does not have is created with a plain
// POST (the cheapest write, and it fails with AlreadyExists rather than take over an object that
// is there); an existing copy is updated with server-side apply, pinned to the resourceVersion
// and uid we read, so fields the source dropped leave the copy too, and an update never
// recreates a copy deleted meanwhile (an apply pinned to the resourceVersion alone would).

import { FIELD_MANAGER, type KubeObject } from "@livesync/core";
import {
  applyObject,
  createObject,
  isConflict,
  isNotFound,
  objectPath,
  type Cluster,
  type ResourceInfo,
} from "@livesync/kube";
import type { CachedCopy } from "./copy-cache.js";

/** A create that met an object of that name: something we have not seen is there. */
export class CreateConflict extends Error {}

/** An update whose resourceVersion precondition failed: the copy changed since we read it. */
export class CopyChanged extends Error {}

/** Creates the copy; 409 (the name is taken) becomes CreateConflict. */
export async function createCopy(
  destination: Cluster,
  info: ResourceInfo,
  obj: KubeObject,
): Promise<KubeObject> {
  try {
    return await createObject(destination.rest, info, obj, { fieldManager: FIELD_MANAGER });
  } catch (err) {
    if (isConflict(err)) throw new CreateConflict((err as Error).message);
    throw err;
  }
}

/**
 * Applies `obj` over `copy`, forced (the copy is ours) and pinned to the copy's resourceVersion
 * and uid; 409 becomes CopyChanged (often a destination controller writing status: re-read,
 * decide again), and so does 404 (the copy is gone: the JSON patch below never creates).
 * A copy we created with POST first has our Update entry made an Apply entry: apply removes only
 * the fields its own entry owns, and the fields the POST set would otherwise stay forever.
 * `onWritten` sees each state written, so a failure after the first keeps the cache current.
 */
export async function updateCopy(
  destination: Cluster,
  info: ResourceInfo,
  obj: KubeObject,
  copy: CachedCopy,
  onWritten: (o: KubeObject) => void,
): Promise<KubeObject> {
  try {
    let rv = copy.metadata.resourceVersion;
    if (copy.postedEntry !== undefined) {
      const adopted = await ownPostedFields(destination, info, copy, copy.postedEntry);
      onWritten(adopted);
      rv = adopted.metadata.resourceVersion;
    }
    const written = await applyObject(destination.rest, info, obj, {
      fieldManager: FIELD_MANAGER,
      resourceVersion: rv,
      uid: copy.metadata.uid,
      force: true,
    });
    onWritten(written);
    return written;
  } catch (err) {
    if (isConflict(err) || isNotFound(err)) throw new CopyChanged((err as Error).message);
    throw err;
  }
}

/** Turns our Update entry at `index` into an Apply entry (what kubectl does on the same move). */
function ownPostedFields(
  destination: Cluster,
  info: ResourceInfo,
  copy: CachedCopy,
  index: number,
): Promise<KubeObject> {
  const { namespace, name, resourceVersion } = copy.metadata;
  const entry = `/metadata/managedFields/${index}`;
  return destination.rest.request<KubeObject>("PATCH", objectPath(info, namespace, name), {
    query: { fieldManager: FIELD_MANAGER },
    contentType: "application/json-patch+json",
    body: [
      // A resourceVersion in the patch is a precondition: 409 when the copy moved on.
      { op: "replace", path: "/metadata/resourceVersion", value: resourceVersion },
      { op: "test", path: `${entry}/manager`, value: FIELD_MANAGER },
      { op: "test", path: `${entry}/operation`, value: "Update" },
      { op: "replace", path: `${entry}/operation`, value: "Apply" },
    ],
  });
}
