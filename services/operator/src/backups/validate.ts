// What the operator checks before running a Backup: the object is valid (the rules of
// `livesync validate`, which the CRD's schema only partly enforces), and every reference resolves
// in the Backup's namespace (the KubernetesCluster and its Secret, the Bucket and its Secret, the
// encryption Secret). Each problem names the field and its value; any problem fails the Backup
// before anything is written. Pure.

import {
  apiVersionOf,
  formatError,
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
import {
  inNamespace,
  resolveBucketRef,
  resolveClusterRef,
  type SpecProblem,
} from "../references.js";

export type { SpecProblem } from "../references.js";

/** The references of a Backup (or a BackupSchedule's template), resolved. */
export interface ResolvedRefs {
  cluster: KubernetesCluster;
  kubeconfig: string;
  bucket: Bucket;
  bucketSecret: Secret;
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
  const report = (reason: string, field: string, message: string) => {
    out.push({ reason, message: `${field}: ${message}` });
  };
  const bad = (reason: string, field: string, message: string): undefined => {
    report(reason, `${prefix}${field}`, message);
  };
  const s = spec ?? {};

  const cluster = s.sourceName
    ? resolveClusterRef(`${prefix}sourceName`, s.sourceName, ns, m, problems, report)
    : bad("InvalidSpec", "sourceName", "required (the KubernetesCluster to back up)");
  const bucket = s.bucketName
    ? resolveBucketRef(`${prefix}bucketName`, s.bucketName, ns, m, problems, report)
    : bad("InvalidSpec", "bucketName", "required: the operator stores backups in a Bucket");

  const enc = s.encryption;
  if (enc) {
    const key = enc.secretKey ?? "key";
    const secret = inNamespace(m.secrets, ns, enc.secretName);
    const value = secret?.data?.[key] ?? secret?.stringData?.[key];
    if (!secret || value === undefined)
      bad(
        "SecretNotFound",
        "encryption.secretName",
        `Secret "${enc.secretName}" ${secret ? `has no key ${key}` : `not found in namespace "${ns}"`}`,
      );
  }

  if (out.length || !cluster || !bucket) return { problems: out };
  return { problems: out, refs: { ...cluster, ...bucket } };
}

/** Problems of a Backup or BackupSchedule object as `livesync validate` sees it ("path: message"). */
export function objectProblems(kind: "Backup" | "BackupSchedule", o: RawObject): string[] {
  const result = validateObject(forValidation(o, apiVersionOf(kind), kind));
  return result.ok ? [] : result.errors.map(formatError);
}
