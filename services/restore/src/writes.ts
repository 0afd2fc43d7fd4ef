// The requests a restore makes to the destination, one object each: create, update (replace
// pinned to the resourceVersion read), delete (pinned to the uid read), and the waits for a CRD
// to be Established or an object's condition. With dryRun every write carries dryRun=All: the
// API server validates it (admission included) and stores nothing.

import type { OwnerReference } from "@livesync/api";
import { RESTORE_FIELD_MANAGER, RESTORED_BY_ANNOTATION, type KubeObject } from "@livesync/core";
import {
  collectionPath,
  getObject,
  isImmutableFieldChange,
  isTransient,
  objectPath,
  replaceObject,
  type Cluster,
  type ResourceInfo,
} from "@livesync/kube";
import { apiMessage } from "@livesync/recovery";
import type { ObjectRef } from "./scope.js";

export interface WriteContext {
  destination: Cluster;
  restoreName: string;
  dryRun: boolean;
}

/** Paths need only the resource and whether it is namespaced, both known from the backup. */
export function infoOf(ref: ObjectRef): ResourceInfo {
  const { group, version, resource, kind } = ref;
  return { group, version, resource, kind, namespaced: ref.namespace !== undefined, verbs: [] };
}

/** The object as written: the restore's mark, and the owners relinked to their new uids. */
export function writtenObject(
  desired: KubeObject,
  restoreName: string,
  owners: OwnerReference[],
): KubeObject {
  const o = structuredClone(desired);
  o.metadata.annotations = { ...o.metadata.annotations, [RESTORED_BY_ANNOTATION]: restoreName };
  if (owners.length > 0) o.metadata.ownerReferences = owners;
  return o;
}

/** A per-object failure, its message ready for the audit. */
export function failureMessage(err: unknown): string {
  const msg = apiMessage(err);
  if (isImmutableFieldChange(err)) {
    return `${msg} (an immutable field differs; the object is not recreated: delete it and run the restore again to replace it)`;
  }
  return msg;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Retries throttling, server errors and dropped connections a few times. */
export async function withRetries<T>(fn: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (attempt >= 4 || !isTransient(err)) throw err;
      await sleep(200 * 2 ** attempt);
    }
  }
}

const dryRunQuery = (ctx: WriteContext) => (ctx.dryRun ? "All" : undefined);

export function createObject(
  ctx: WriteContext,
  ref: ObjectRef,
  body: KubeObject,
): Promise<KubeObject> {
  return withRetries(() =>
    ctx.destination.rest.request<KubeObject>("POST", collectionPath(infoOf(ref), ref.namespace), {
      query: { fieldManager: RESTORE_FIELD_MANAGER, dryRun: dryRunQuery(ctx) },
      body,
    }),
  );
}

/**
 * Replaces the whole object, pinned to the resourceVersion the plan read: a concurrent change
 * fails it (409) rather than being overwritten unseen. Replaced, not applied, so that fields the
 * backup lacks go (server-side apply keeps fields other managers own).
 */
export function updateObject(
  ctx: WriteContext,
  ref: ObjectRef,
  body: KubeObject,
  resourceVersion: string,
): Promise<KubeObject> {
  return withRetries(() =>
    replaceObject(ctx.destination.rest, infoOf(ref), body, {
      fieldManager: RESTORE_FIELD_MANAGER,
      resourceVersion,
      dryRun: ctx.dryRun,
    }),
  );
}

/** Deletes the object the plan saw (uid precondition), in the background. */
export async function deleteLive(ctx: WriteContext, ref: ObjectRef, uid: string): Promise<void> {
  await withRetries(() =>
    ctx.destination.rest.request("DELETE", objectPath(infoOf(ref), ref.namespace, ref.name), {
      query: { dryRun: dryRunQuery(ctx) },
      body: {
        kind: "DeleteOptions",
        apiVersion: "v1",
        propagationPolicy: "Background",
        preconditions: { uid },
      },
    }),
  );
}

type Conditions = { conditions?: { type?: string; status?: string }[] };

/** The status of condition `type` on `obj`, undefined when it has none. */
export function conditionStatus(obj: KubeObject | undefined, type: string): string | undefined {
  const status = obj?.status as Conditions | undefined;
  return status?.conditions?.find((c) => c.type === type)?.status;
}

/** Polls until the object's condition `type` is True; throws naming the object and the wait. */
export async function waitForCondition(
  ctx: WriteContext,
  ref: ObjectRef,
  type: string,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: string | undefined;
  for (let delay = 100; ; delay = Math.min(delay * 2, 2000)) {
    const obj = await withRetries(() =>
      getObject(ctx.destination.rest, infoOf(ref), ref.namespace, ref.name),
    );
    last = conditionStatus(obj, type);
    if (last === "True") return;
    if (Date.now() >= deadline) {
      const seen = obj ? `condition ${type} is ${last ?? "absent"}` : "object not found";
      throw new Error(`not ${type}=True within ${Math.round(timeoutMs / 1000)}s (${seen})`);
    }
    await sleep(delay);
  }
}
