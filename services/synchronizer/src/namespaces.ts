import { ANNOTATIONS } from "@livesync/core";
import { isNotFound, KubeApiError, type Cluster } from "@livesync/kube";

/**
 * Creates a copy's namespace in the destination when it is missing (marked as created by us),
 * remembering the ones known to exist so the common case costs no request. Callers asking for
 * the same namespace at once share one check: an initial sync starts with many events of each.
 */
export class NamespaceEnsurer {
  private readonly known = new Map<Cluster, Map<string, Promise<void>>>();

  constructor(private readonly fieldManager: string) {}

  ensure(cluster: Cluster, namespace: string, liveSync: string): Promise<void> {
    let ensured = this.known.get(cluster);
    if (!ensured) this.known.set(cluster, (ensured = new Map()));
    const known = ensured.get(namespace);
    if (known) return known;
    const check = this.check(cluster, namespace, liveSync);
    ensured.set(namespace, check);
    // A failure is not remembered: the next caller checks again.
    check.catch(() => {
      if (ensured.get(namespace) === check) ensured.delete(namespace);
    });
    return check;
  }

  private async check(cluster: Cluster, namespace: string, liveSync: string): Promise<void> {
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
  }

  /** Forget a namespace (it was deleted, or a write there failed with 404). */
  forget(cluster: Cluster, namespace: string): void {
    this.known.get(cluster)?.delete(namespace);
  }
}
