// What the destination holds where the restore writes: the objects at the backup objects'
// places, and, for a revert, every object of the scope's resources in the scope's namespaces.

import type { Gvr } from "@livesync/api";
import { neverRestoredReason } from "@livesync/backup";
import { refKey, type ObjectRef, type RestoreScope } from "./scope.js";
import {
  getObject,
  isNotFound,
  listPages,
  NAMESPACES,
  listableNamespacedResources,
  UnknownResourceError,
  type Cluster,
  type KubeObject,
  type ResourceInfo,
} from "@livesync/kube";
import type { LiveObject } from "./plan.js";
import type { PreparedItem } from "./prepare.js";
import { tierOf } from "./tiers.js";
import { withRetries } from "./writes.js";

export interface LiveState {
  /** By refKey. */
  byKey: Map<string, KubeObject>;
  /** Objects within the revert scope (empty unless asked for). */
  deletable: LiveObject[];
}

const gvrId = (g: Gvr) => `${g.group}/${g.version}/${g.resource}`;

/** Lists one resource in the given namespaces (all when undefined); [] when it is not served. */
async function listResource(
  destination: Cluster,
  info: ResourceInfo,
  namespaces: string[] | undefined,
): Promise<KubeObject[]> {
  const out: KubeObject[] = [];
  const scopes = info.namespaced && namespaces ? namespaces : [undefined];
  try {
    for (const namespace of scopes) {
      await withRetries(() =>
        listPages(destination.rest, info, { namespace }, (page) => void out.push(...page)),
      );
    }
  } catch (err) {
    // Not served (its CRD is not installed yet): nothing of it exists.
    if (err instanceof UnknownResourceError || isNotFound(err)) return [];
    throw err;
  }
  return out;
}

async function resolve(destination: Cluster, gvr: Gvr, kind: string, namespaced: boolean) {
  try {
    return await destination.discovery.resolve(gvr);
  } catch (err) {
    if (err instanceof UnknownResourceError) return { ...gvr, kind, namespaced, verbs: [] };
    throw err;
  }
}

/**
 * Reads the destination. `revert`: also the scope's resources (the backup's own list, or every
 * namespaced resource the destination serves, plus the resources the backup holds).
 */
export async function readLive(
  destination: Cluster,
  items: readonly PreparedItem[],
  scope: RestoreScope,
  opts: { revert: boolean; resources?: Gvr[] },
): Promise<LiveState> {
  const wanted = new Map<string, ResourceInfo>();
  const itemNamespaces = new Map<string, Set<string>>();
  for (const { ref } of items) {
    const id = gvrId(ref);
    if (!wanted.has(id))
      wanted.set(id, await resolve(destination, ref, ref.kind, ref.namespace !== undefined));
    if (ref.namespace !== undefined) {
      const set = itemNamespaces.get(id) ?? new Set<string>();
      set.add(ref.namespace);
      itemNamespaces.set(id, set);
    }
  }
  if (opts.revert) {
    const extra = opts.resources
      ? await Promise.all(
          opts.resources.map((g) => destination.discovery.resolve(g).catch(() => undefined)),
        )
      : await listableNamespacedResources(destination.rest);
    for (const info of extra) {
      // Never-restored resources (events…) are never deleted either: not even listed.
      if (info && !wanted.has(gvrId(info)) && neverRestoredReason(info) === undefined) {
        wanted.set(gvrId(info), info);
      }
    }
  }
  const scopeNamespaces = scope.destinationNamespaces();
  const byKey = new Map<string, KubeObject>();
  const deletable: LiveObject[] = [];
  for (const [id, info] of wanted) {
    const namespaces = opts.revert ? scopeNamespaces : [...(itemNamespaces.get(id) ?? [])];
    if (!opts.revert && info.namespaced && namespaces?.length === 0) continue;
    for (const object of await listResource(destination, info, namespaces)) {
      const ref: ObjectRef = {
        group: info.group,
        version: info.version,
        resource: info.resource,
        kind: info.kind,
        ...(object.metadata.namespace ? { namespace: object.metadata.namespace } : {}),
        name: object.metadata.name,
      };
      byKey.set(refKey(ref), object);
      if (opts.revert && scope.holds(ref, object)) {
        const tier = tierOf({ ...ref, namespaced: info.namespaced });
        deletable.push({ ref, object, tier });
      }
    }
  }
  return { byKey, deletable };
}

/**
 * Namespaces the restored objects go into that neither the backup's objects nor the destination
 * hold (a backup without its Namespace objects, the live archive): created first, bare.
 */
export async function missingNamespaces(
  destination: Cluster,
  items: readonly PreparedItem[],
): Promise<PreparedItem[]> {
  const restored = new Set(
    items
      .filter((i) => i.ref.resource === "namespaces" && i.ref.group === "")
      .map((i) => i.ref.name),
  );
  const needed = new Set(
    items.flatMap((i) => (i.desired && i.ref.namespace !== undefined ? [i.ref.namespace] : [])),
  );
  const out: PreparedItem[] = [];
  for (const name of needed) {
    if (restored.has(name)) continue;
    if (await withRetries(() => getObject(destination.rest, NAMESPACES, undefined, name))) continue;
    const ref = { group: "", version: "v1", resource: "namespaces", kind: "Namespace", name };
    const desired = { apiVersion: "v1", kind: "Namespace", metadata: { name } };
    const tier = tierOf({ ...ref, namespaced: false });
    out.push({ ref, apiVersion: "v1", sourceUid: `namespace/${name}`, tier, desired, owners: [] });
  }
  return out;
}
