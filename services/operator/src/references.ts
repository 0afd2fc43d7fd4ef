// The references a Backup or a Restore makes, resolved in its namespace: a KubernetesCluster
// with the kubeconfig of its Secret, a Bucket with its credentials Secret. Each problem names
// the field and the value at fault. Pure.

import {
  clusterKubeconfig,
  secretValue,
  type Bucket,
  type KubernetesCluster,
  type ManifestProblem,
  type Secret,
} from "@livesync/api";
import type { EngineManifests } from "@livesync/engine";

export interface SpecProblem {
  /** Condition reason: InvalidSpec, ClusterNotFound, BucketNotFound, SecretNotFound, ... */
  reason: string;
  /** "spec.<field>: ..." naming the value at fault. */
  message: string;
}

/** Records a problem of `field` (its full path, e.g. "spec.sourceName"). */
export type ReportProblem = (reason: string, field: string, message: string) => void;

export const inNamespace = <T extends { metadata: { name: string; namespace?: string } }>(
  items: T[],
  ns: string,
  name: string | undefined,
) => items.find((o) => (o.metadata.namespace ?? "default") === ns && o.metadata.name === name);

/** Why a referenced object was left out of the valid manifests, for the message. */
function invalidWhy(problems: ManifestProblem[], kind: string, ns: string, name: string) {
  const why = problems
    .filter((p) => p.source === `${kind}/${ns}/${name}`)
    .map((p) => (p.path ? `${p.path}: ${p.message}` : p.message));
  return why.length ? `is invalid: ${why.join("; ")}` : `not found in namespace "${ns}"`;
}

/** The KubernetesCluster `name` and its kubeconfig, or a problem reported on `field`. */
export function resolveClusterRef(
  field: string,
  name: string,
  ns: string,
  m: EngineManifests,
  problems: ManifestProblem[],
  bad: ReportProblem,
): { cluster: KubernetesCluster; kubeconfig: string } | undefined {
  const cluster = inNamespace(m.clusters, ns, name);
  if (!cluster) {
    const why = invalidWhy(problems, "KubernetesCluster", ns, name);
    bad("ClusterNotFound", field, `KubernetesCluster "${name}" ${why}`);
    return undefined;
  }
  const kubeconfig = clusterKubeconfig(cluster, m.secrets);
  if (kubeconfig === undefined) {
    const key = cluster.spec.secretKey ?? "kubeconfig.yaml";
    bad(
      "SecretNotFound",
      field,
      `KubernetesCluster "${name}": Secret "${cluster.spec.secretName}" (key ${key}) not found in namespace "${ns}"`,
    );
    return undefined;
  }
  return { cluster, kubeconfig };
}

/** The Bucket `name` and its credentials Secret, or a problem reported on `field`. */
export function resolveBucketRef(
  field: string,
  name: string,
  ns: string,
  m: EngineManifests,
  problems: ManifestProblem[],
  bad: ReportProblem,
): { bucket: Bucket; bucketSecret: Secret } | undefined {
  const bucket = inNamespace(m.buckets, ns, name);
  if (!bucket) {
    bad("BucketNotFound", field, `Bucket "${name}" ${invalidWhy(problems, "Bucket", ns, name)}`);
    return undefined;
  }
  const bucketSecret = inNamespace(m.secrets, ns, bucket.spec.secretName);
  const missing = ["accessKeyID", "secretAccessKey"].filter((k) => !secretValue(bucketSecret, k));
  if (!bucketSecret || missing.length) {
    bad(
      "SecretNotFound",
      field,
      `Bucket "${name}": Secret "${bucket.spec.secretName}" ${bucketSecret ? `has no ${missing.join(", ")}` : `not found in namespace "${ns}"`}`,
    );
    return undefined;
  }
  return { bucket, bucketSecret };
}
