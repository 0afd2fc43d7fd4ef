// What the operator checks before running a Backup: the object is valid (the rules of
// `livesync validate`, which the CRD's schema only partly enforces), and every reference resolves
// in the Backup's namespace (the KubernetesCluster and its Secret, the Bucket and its Secret, the
// encryption Secret). Each problem names the field and its value; any problem fails the Backup
// before anything is written. Pure.

import {
  apiVersionOf,
  clusterKubeconfig,
  formatError,
  secretValue,
  validateObject,
  type BackupSpec,
  type Bucket,
  type KubernetesCluster,
  type ManifestProblem,
  type Secret,
} from "@livesync/api";
import type { EngineManifests } from "@livesync/engine";
import { forValidation } from "../desired.js";
import type { RawObject } from "../objects.js";

export interface SpecProblem {
  /** Condition reason: InvalidSpec, ClusterNotFound, BucketNotFound, SecretNotFound. */
  reason: string;
  /** "spec.<field>: ..." naming the value at fault. */
  message: string;
}

/** The references of a Backup (or a BackupSchedule's template), resolved. */
export interface ResolvedRefs {
  cluster: KubernetesCluster;
  kubeconfig: string;
  bucket: Bucket;
  bucketSecret: Secret;
}

const inNs = <T extends { metadata: { name: string; namespace?: string } }>(
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

/**
 * Problems of a Backup spec in namespace `ns` (prefix "spec." or "spec.template." for a
 * schedule's template); the resolved references when there are none.
 */
export function checkBackupSpec(
  spec: Partial<BackupSpec> | undefined,
  ns: string,
  m: EngineManifests,
  problems: ManifestProblem[],
  prefix = "spec.",
): { problems: SpecProblem[]; refs?: ResolvedRefs } {
  const out: SpecProblem[] = [];
  const bad = (reason: string, field: string, message: string) =>
    out.push({ reason, message: `${prefix}${field}: ${message}` });
  const s = spec ?? {};

  let cluster: KubernetesCluster | undefined;
  let kubeconfig: string | undefined;
  if (!s.sourceName)
    bad("InvalidSpec", "sourceName", "required (the KubernetesCluster to back up)");
  else {
    cluster = inNs(m.clusters, ns, s.sourceName);
    if (!cluster)
      bad(
        "ClusterNotFound",
        "sourceName",
        `KubernetesCluster "${s.sourceName}" ${invalidWhy(problems, "KubernetesCluster", ns, s.sourceName)}`,
      );
    else {
      kubeconfig = clusterKubeconfig(cluster, m.secrets);
      if (kubeconfig === undefined)
        bad(
          "SecretNotFound",
          "sourceName",
          `KubernetesCluster "${s.sourceName}": Secret "${cluster.spec.secretName}" (key ${cluster.spec.secretKey ?? "kubeconfig.yaml"}) not found in namespace "${ns}"`,
        );
    }
  }

  let bucket: Bucket | undefined;
  let bucketSecret: Secret | undefined;
  if (!s.bucketName)
    bad("InvalidSpec", "bucketName", "required: the operator stores backups in a Bucket");
  else {
    bucket = inNs(m.buckets, ns, s.bucketName);
    if (!bucket)
      bad(
        "BucketNotFound",
        "bucketName",
        `Bucket "${s.bucketName}" ${invalidWhy(problems, "Bucket", ns, s.bucketName)}`,
      );
    else {
      bucketSecret = inNs(m.secrets, ns, bucket.spec.secretName);
      const missing = ["accessKeyID", "secretAccessKey"].filter(
        (k) => !secretValue(bucketSecret, k),
      );
      if (!bucketSecret || missing.length)
        bad(
          "SecretNotFound",
          "bucketName",
          `Bucket "${s.bucketName}": Secret "${bucket.spec.secretName}" ${bucketSecret ? `has no ${missing.join(", ")}` : `not found in namespace "${ns}"`}`,
        );
    }
  }

  const enc = s.encryption;
  if (enc) {
    const key = enc.secretKey ?? "key";
    const secret = inNs(m.secrets, ns, enc.secretName);
    const value = secret?.data?.[key] ?? secret?.stringData?.[key];
    if (!secret || value === undefined)
      bad(
        "SecretNotFound",
        "encryption.secretName",
        `Secret "${enc.secretName}" ${secret ? `has no key ${key}` : `not found in namespace "${ns}"`}`,
      );
  }

  if (out.length || !cluster || !kubeconfig || !bucket || !bucketSecret) return { problems: out };
  return { problems: out, refs: { cluster, kubeconfig, bucket, bucketSecret } };
}

/** Problems of a Backup or BackupSchedule object as `livesync validate` sees it ("path: message"). */
export function objectProblems(kind: "Backup" | "BackupSchedule", o: RawObject): string[] {
  const result = validateObject(forValidation(o, apiVersionOf(kind), kind));
  return result.ok ? [] : result.errors.map(formatError);
}
