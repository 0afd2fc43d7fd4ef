import { groupVersion, gvrKey, type Gvr } from "@livesync/api";
import { KubeApiError } from "./errors.js";
import type { KubeRest } from "./rest.js";

export type { Gvr };

export interface ResourceInfo extends Gvr {
  kind: string;
  namespaced: boolean;
  verbs: string[];
}

const groupPath = (gvr: Gvr) =>
  gvr.group ? `/apis/${gvr.group}/${gvr.version}` : `/api/${gvr.version}`;

/** The collection path; all namespaces when `namespace` is undefined. */
export function collectionPath(info: ResourceInfo, namespace?: string): string {
  const ns = info.namespaced && namespace ? `/namespaces/${encodeURIComponent(namespace)}` : "";
  return `${groupPath(info)}${ns}/${info.resource}`;
}

export function objectPath(
  info: ResourceInfo,
  namespace: string | undefined,
  name: string,
): string {
  return `${collectionPath(info, namespace)}/${encodeURIComponent(name)}`;
}

export class UnknownResourceError extends Error {
  constructor(
    readonly gvr: Gvr,
    detail: string,
  ) {
    super(`unknown resource ${gvrKey(gvr)}: ${detail}`);
    this.name = "UnknownResourceError";
  }
}

/** Discovery with a per-client cache: GVR -> kind, namespaced, verbs. */
export class Discovery {
  private readonly cache = new Map<string, Promise<ResourceInfo[]>>();

  constructor(private readonly rest: KubeRest) {}

  async resolve(gvr: Gvr): Promise<ResourceInfo> {
    const list = await this.groupVersion(gvr);
    const info = list.find((r) => r.resource === gvr.resource);
    if (!info) {
      const known = list.map((r) => r.resource).join(", ");
      throw new UnknownResourceError(
        gvr,
        `the server serves ${groupVersion(gvr)} but not "${gvr.resource}" (it has: ${known})`,
      );
    }
    return info;
  }

  /**
   * Forget cached discovery (a CRD was installed or removed): everything, or only the
   * group-versions of `gvrs`, so that re-checking a few missing resources refetches just those.
   */
  invalidate(gvrs?: readonly Gvr[]): void {
    if (!gvrs) this.cache.clear();
    else for (const gvr of gvrs) this.cache.delete(groupVersion(gvr));
  }

  private groupVersion(gvr: Gvr): Promise<ResourceInfo[]> {
    const key = groupVersion(gvr);
    const cached = this.cache.get(key);
    if (cached) return cached;
    const entry = this.fetch(gvr);
    this.cache.set(key, entry);
    // Failures are not cached; the check spares a newer entry made after an invalidate().
    entry.catch(() => this.cache.get(key) === entry && this.cache.delete(key));
    return entry;
  }

  private async fetch(gvr: Gvr): Promise<ResourceInfo[]> {
    try {
      const list = await this.rest.request<{
        resources: { name: string; kind: string; namespaced: boolean; verbs: string[] }[];
      }>("GET", groupPath(gvr));
      return list.resources
        .filter((r) => !r.name.includes("/")) // subresources
        .map((r) => ({
          ...gvr,
          resource: r.name,
          kind: r.kind,
          namespaced: r.namespaced,
          verbs: r.verbs,
        }));
    } catch (err) {
      if (err instanceof KubeApiError && err.status === 404) {
        throw new UnknownResourceError(gvr, `the server does not serve ${groupVersion(gvr)}`);
      }
      throw err;
    }
  }
}

/** Namespaces: watched for their labels (namespaceSelector) by the listener and the reconciler. */
export const NAMESPACES: ResourceInfo = {
  group: "",
  version: "v1",
  resource: "namespaces",
  kind: "Namespace",
  namespaced: false,
  verbs: [],
};

/** ConfigMaps: the kind the tests, benchmarks and examples replicate most. */
export const CONFIGMAPS: ResourceInfo = {
  group: "",
  version: "v1",
  resource: "configmaps",
  kind: "ConfigMap",
  namespaced: true,
  verbs: ["list", "watch"],
};
