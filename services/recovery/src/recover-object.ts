// recoverObject: one copy through a Task resource's steps. fromOriginal replaces the copy by the
// archived original (PUT, the synchronizer's field manager, pinned to the copy's resourceVersion);
// fromPatch applies RFC 6902 operations to the live copy with a JSON patch guarded by a
// resourceVersion test. Failures carry the step they happened in.

import type { TaskResource } from "@livesync/api";
import type { BucketClient } from "@livesync/bucket";
import {
  applyPatch,
  archiveKey,
  decodeArchiveEntry,
  FIELD_MANAGER,
  RECOVERED_BY_ANNOTATION,
  RECOVERY_FIELD_MANAGER,
  type KubeObject,
  type PatchOperation,
} from "@livesync/core";
import {
  getObject,
  KubeApiError,
  objectPath,
  replaceObject,
  type Cluster,
  type ResourceInfo,
} from "@livesync/kube";
import { diffObjects, guardedPatch, restoredObject, type DiffEntry } from "./plan.js";

export interface RecoveryBucket {
  client: BucketClient;
  /** The Bucket CR's namespace and name: the first two segments of every archive key. */
  bucketNamespace: string;
  bucketName: string;
}

/** A per-object failure: the object counts as failed with this reason. */
export class ObjectFailure extends Error {}

/**
 * The copy changed between reading and writing (its controller updated it, or someone else):
 * the write was refused by its resourceVersion pin. Recovery re-reads and tries again.
 */
export class StaleCopy extends Error {
  constructor(readonly live: KubeObject) {
    super("object changed since it was read");
  }
}

/** The apiserver's own message, without our "METHOD path: status reason:" prefix. */
export function apiMessage(err: unknown): string {
  if (err instanceof KubeApiError) {
    const marker = `: ${err.status} ${err.reason}: `;
    const i = err.message.indexOf(marker);
    return i >= 0 ? err.message.slice(i + marker.length) : err.message;
  }
  return err instanceof Error ? err.message : String(err);
}

/** A reason for the status, naming concurrent changes and vanished objects plainly. */
export function reasonOf(err: unknown, step: "patch" | "restore"): string {
  if (err instanceof ObjectFailure) return err.message;
  const msg = apiMessage(err);
  if (err instanceof KubeApiError) {
    if (err.status === 404) return `${step}: object no longer exists: ${msg}`;
    if (err.status === 409)
      return `${step}: object changed since it was read (not retried): ${msg}`;
  }
  return `${step}: ${msg}`;
}

/** Recovers one copy; throws (with `step`) on failure. Returns what was (or would be) done. */
export async function recoverObject(a: {
  tr: TaskResource;
  info: ResourceInfo;
  copy: KubeObject;
  liveSync: string;
  destination: Cluster;
  bucket?: RecoveryBucket;
  dryRun: boolean;
  runId?: string;
}): Promise<{ action: "patch" | "restore"; diff: DiffEntry[] }[]> {
  const { tr, info, destination, dryRun } = a;
  const done: { action: "patch" | "restore"; diff: DiffEntry[] }[] = [];
  const namespace = info.namespaced ? a.copy.metadata.namespace : undefined;
  const name = a.copy.metadata.name;
  let current = a.copy;
  const step = <T>(s: "patch" | "restore", p: Promise<T>) =>
    p.catch((err: unknown) => {
      throw Object.assign(err instanceof Error ? err : new Error(String(err)), { step: s });
    });

  const ops = tr.patch?.operations ?? [];
  // The run's mark goes with the last write only: a crash between a restore and its patch
  // leaves the object unmarked, so a resumed run does both again.
  const mark = (o: KubeObject) =>
    a.runId
      ? {
          ...o,
          metadata: {
            ...o.metadata,
            annotations: { ...o.metadata.annotations, [RECOVERED_BY_ANNOTATION]: a.runId },
          },
        }
      : o;
  const markOp: PatchOperation[] = a.runId
    ? [
        {
          op: "add",
          path: `/metadata/annotations/${RECOVERED_BY_ANNOTATION.replace("/", "~1")}`,
          value: a.runId,
        },
      ]
    : [];

  if (tr.fromOriginal?.enabled) {
    let restored = await step("restore", restore(a, namespace, name, current));
    if (ops.length === 0) restored = mark(restored);
    const written = await step(
      "restore",
      // Replaced, not applied: the copy's own fields (defaults of the transformed spec) go.
      replaceObject(destination.rest, info, restored, {
        fieldManager: FIELD_MANAGER,
        resourceVersion: current.metadata.resourceVersion!,
        dryRun,
      }).catch(async (err: unknown) => {
        // 409: pinned to a version that moved on; hand the current one back for another try.
        if (!(err instanceof KubeApiError) || err.status !== 409) throw err;
        const live = await getObject(destination.rest, info, namespace, name);
        if (!live) throw err;
        throw new StaleCopy(live);
      }),
    );
    done.push({ action: "restore", diff: dryRun ? diffObjects(current, written) : [] });
    current = written;
  }

  // The apiserver answers a failing JSON patch with a bare "the server rejected our request"
  // (no path): applied locally to exactly the version the test op pins, it says why. Only on
  // rejection (and in dry runs): a clone and a patch per object cost the client CPU.
  const explain = () => {
    const local = applyPatch(current, ops);
    if (!local.ok)
      throw Object.assign(new ObjectFailure(`patch: ${local.error}`), { step: "patch" });
    return local.object;
  };
  if (ops.length > 0) {
    if (dryRun && done.length > 0) {
      // The dry-run restore wrote nothing to patch on the server: the local result is the answer.
      done.push({ action: "patch", diff: diffObjects(current, explain()) });
    } else {
      const written = await step(
        "patch",
        jsonPatch(destination, info, namespace, name, current, [...ops, ...markOp], dryRun).catch(
          async (err: unknown) => {
            if (!(err instanceof KubeApiError) || err.status !== 422) throw err;
            explain();
            // Valid locally but rejected: the resourceVersion test failed if it changed.
            const live = await getObject(destination.rest, info, namespace, name).catch(
              () => undefined,
            );
            const was = current.metadata.resourceVersion;
            if (live && live.metadata.resourceVersion !== was) throw new StaleCopy(live);
            throw err;
          },
        ),
      );
      done.push({ action: "patch", diff: dryRun ? diffObjects(current, written) : [] });
    }
  }
  return done;
}

/** The archived original, ready to apply over `copy`; ObjectFailure when there is none to use. */
async function restore(
  a: { liveSync: string; bucket?: RecoveryBucket; info: ResourceInfo },
  namespace: string | undefined,
  name: string,
  copy: KubeObject,
): Promise<KubeObject> {
  const { bucket, info, liveSync } = a;
  if (!bucket) throw new ObjectFailure("restore: fromOriginal needs a bucket, none configured");
  const key = archiveKey({
    bucketNamespace: bucket.bucketNamespace,
    bucketName: bucket.bucketName,
    gvr: { group: info.group, version: info.version, resource: info.resource },
    namespace,
    name,
  });
  const text = await bucket.client.get(key);
  if (text === undefined) throw new ObjectFailure(`restore: no original in the bucket (${key})`);
  let entry;
  try {
    entry = decodeArchiveEntry(text);
  } catch (err) {
    throw new ObjectFailure(`restore: unreadable archive entry ${key}: ${(err as Error).message}`);
  }
  if (entry.kind === "tombstone")
    throw new ObjectFailure(`restore: deleted in the source (tombstone at ${key})`);
  if (entry.marks.liveSync && entry.marks.liveSync !== liveSync)
    throw new ObjectFailure(
      `restore: ${key} was archived by LiveSynchronization ${entry.marks.liveSync}, not ${liveSync}`,
    );
  if (!entry.verified)
    throw new ObjectFailure(`restore: ${key} does not match its sha256 annotation`);
  return restoredObject(entry.original, copy, liveSync, entry.marks);
}

/** A JSON patch (RFC 6902) of the live object, guarded by a test of the resourceVersion read. */
function jsonPatch(
  destination: Cluster,
  info: ResourceInfo,
  namespace: string | undefined,
  name: string,
  current: KubeObject,
  operations: PatchOperation[],
  dryRun: boolean,
): Promise<KubeObject> {
  return destination.rest.request<KubeObject>("PATCH", objectPath(info, namespace, name), {
    query: { fieldManager: RECOVERY_FIELD_MANAGER, dryRun: dryRun ? "All" : undefined },
    body: guardedPatch(current.metadata.resourceVersion, operations),
    contentType: "application/json-patch+json",
  });
}
