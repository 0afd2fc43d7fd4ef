import type { KubeRest } from "./rest.js";
import type { ResourceInfo } from "./resources.js";

interface ApiResourceList {
  resources: { name: string; kind: string; namespaced: boolean; verbs: string[] }[];
}
interface ApiGroupList {
  groups: { name: string; preferredVersion: { version: string } }[];
}

/**
 * Every namespaced resource the cluster can list, in each group's preferred version: what a
 * namespace can hold. A group-version whose discovery fails (an unavailable aggregated API)
 * throws, because callers use the answer to decide that a namespace is empty.
 */
export async function listableNamespacedResources(rest: KubeRest): Promise<ResourceInfo[]> {
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
      const list = await rest.request<ApiResourceList>("GET", gv.path);
      return list.resources
        .filter((r) => r.namespaced && !r.name.includes("/") && r.verbs.includes("list"))
        .map((r) => ({
          group: gv.group,
          version: gv.version,
          resource: r.name,
          kind: r.kind,
          namespaced: true,
          verbs: r.verbs,
        }));
    }),
  );
  return lists.flat();
}
