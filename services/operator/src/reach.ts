// Reaching a cluster named by a KubernetesCluster before a run writes or reads anything: a
// Backup or a Restore whose cluster cannot be reached fails at once with the reason.

import { Cluster } from "@livesync/kube";

const REACH_TIMEOUT_MS = 10_000;

/** A client of the cluster that answered GET /version; throws with the reason otherwise. */
export async function reachCluster(name: string, kubeconfig: string): Promise<Cluster> {
  let cluster: Cluster | undefined;
  try {
    cluster = await Cluster.fromKubeConfigYaml(name, kubeconfig);
    await cluster.rest.request("GET", "/version", {
      signal: AbortSignal.timeout(REACH_TIMEOUT_MS),
    });
    return cluster;
  } catch (err) {
    cluster?.close();
    throw err;
  }
}
