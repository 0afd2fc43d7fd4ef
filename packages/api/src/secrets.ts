// Reading the Secrets that KubernetesCluster and Bucket objects name, the way the apiserver
// merges them: stringData wins over base64 data. Pure.

import type { KubernetesCluster, Secret } from "./types.js";
import { namespaceOf } from "./objects.js";

/** The Secret key holding a KubernetesCluster's kubeconfig unless spec.secretKey says another. */
export const KUBECONFIG_KEY = "kubeconfig.yaml";

/** A Secret's value for `key`, decoded; undefined when the Secret or the key is missing. */
export function secretValue(secret: Secret | undefined, key: string): string | undefined {
  const s = secret?.stringData?.[key];
  if (s !== undefined) return s;
  const d = secret?.data?.[key];
  return d === undefined ? undefined : Buffer.from(d, "base64").toString("utf8");
}

/** The kubeconfig text of a KubernetesCluster, from its Secret among `secrets` (same namespace). */
export function clusterKubeconfig(
  cluster: KubernetesCluster,
  secrets: Secret[],
): string | undefined {
  const ns = namespaceOf(cluster);
  const secret = secrets.find(
    (s) => namespaceOf(s) === ns && s.metadata.name === cluster.spec.secretName,
  );
  return secretValue(secret, cluster.spec.secretKey ?? KUBECONFIG_KEY);
}
