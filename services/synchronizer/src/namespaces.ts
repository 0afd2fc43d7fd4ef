import { ANNOTATIONS } from "@livesync/core";
import { isNotFound, KubeApiError, type Cluster } from "@livesync/kube";

/**
 * Creates a copy's namespace in the destination when it is missing (marked as created by us),
 * remembering the ones known to exist so the common case costs no request.
 */
export class NamespaceEnsurer {
  private readonly known = new Map<Cluster, Set<string>>();

  constructor(private readonly fieldManager: string) {}

  async ensure(cluster: Cluster, namespace: string, liveSync: string): Promise<void> {
    let set = this.known.get(cluster);
    if (!set) this.known.set(cluster, (set = new Set()));
    if (set.has(namespace)) return;
    try {
      const ns = await cluster.rest.request<{ metadata: { deletionTimestamp?: string } }>(
        "GET",
        `/api/v1/namespaces/${encodeURIComponent(namespace)}`,
      );
      if (ns.metadata.deletionTimestamp) {
        throw new Error(`namespace ${namespace} is terminating in ${cluster.name}; will retry`);
      }
    } catch (err) {
      if (!isNotFound(err)) throw err;
      try {
        await cluster.rest.request("POST", "/api/v1/namespaces", {
          query: { fieldManager: this.fieldManager },
          body: {
            apiVersion: "v1",
            kind: "Namespace",
            metadata: { name: namespace, annotations: { [ANNOTATIONS.createdBy]: liveSync } },
          },
        });
      } catch (createErr) {
        if (!(createErr instanceof KubeApiError && createErr.status === 409)) throw createErr;
      }
    }
    set.add(namespace);
  }

  /** Forget a namespace (it was deleted, or a write there failed with 404). */
  forget(cluster: Cluster, namespace: string): void {
    this.known.get(cluster)?.delete(namespace);
  }
}
