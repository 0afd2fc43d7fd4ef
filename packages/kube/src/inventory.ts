import type { KubeRest } from "./rest.js";
import type { ResourceInfo } from "./resources.js";

interface ApiResourceList {
  resources: { name: string; kind: string; namespaced: boolean; verbs: string[] }[];
}
interface ApiGroupList {
  groups: { name: string; preferredVersion: { version: string } }[];
}

export interface ListableResourcesOptions {
  /**
   * Called for a group-version whose discovery fails (an unavailable aggregated API), which is
   * then left out. Without it such a failure throws.
   */
  onUnavailable?: (groupVersion: string, err: unknown) => void;
}

/**
 * Every resource the cluster can list, namespaced and cluster-scoped, in each group's preferred
 * version (subresources left out).
 */
export async function listableResources(
  rest: KubeRest,
  opts: ListableResourcesOptions = {},
): Promise<ResourceInfo[]> {
  const groups = await rest.request<ApiGroupList>("GET", "/apis");
  const versions = [
    { group: "", version: "v1", path: "/api/v1" },
    ...groups.groups.map((g) => ({
      group: g.name,
      version: g.preferredVersion.version,
      path: `/apis/${g.name}/${g.preferredVersion.version}`,
    })),
  ];
  const lists = await Promise.all(
    versions.map(async (gv) => {
      let list: ApiResourceList;
      try {
        list = await rest.request<ApiResourceList>("GET", gv.path);
      } catch (err) {
        if (!opts.onUnavailable) throw err;
        opts.onUnavailable(gv.path.replace(/^\/apis?\//, ""), err);
        return [];
      }
      return list.resources
        .filter((r) => !r.name.includes("/") && r.verbs.includes("list"))
        .map((r) => ({
          group: gv.group,
          version: gv.version,
          resource: r.name,
          kind: r.kind,
          namespaced: r.namespaced,
          verbs: r.verbs,
        }));
    }),
  );
  return lists.flat();
}

/**
 * Every namespaced resource the cluster can list, in each group's preferred version: what a
 * namespace can hold. A group-version whose discovery fails (an unavailable aggregated API)
 * throws, because callers use the answer to decide that a namespace is empty.
 */
export async function listableNamespacedResources(rest: KubeRest): Promise<ResourceInfo[]> {
  return (await listableResources(rest)).filter((r) => r.namespaced);
}
