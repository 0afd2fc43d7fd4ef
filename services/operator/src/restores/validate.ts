// What the operator checks before running a Restore: the spec is valid (the schema and the
// checks of `livesync validate`: exactly one thing to restore, the backups map, the namespace
// mapping, ...), it names a Bucket (the operator restores from buckets only), and its
// KubernetesCluster and Bucket resolve in its namespace with their Secrets. Each problem names
// the field and its value; any problem fails the Restore before anything is written. Pure.

import {
  formatError,
  validateObject,
  type ManifestProblem,
  type Restore,
  type RestoreSpec,
} from "@livesync/api";
import type { EngineManifests } from "@livesync/engine";
import type { RawObject } from "../objects.js";
import { resolveBucketRef, resolveClusterRef, type SpecProblem } from "../references.js";
import type { ResolvedRefs } from "../backups/validate.js";

export interface CheckedRestore {
  problems: SpecProblem[];
  /** The spec with its schema defaults, and the references resolved, when there is no problem. */
  valid?: { spec: RestoreSpec; refs: ResolvedRefs };
}

export function checkRestore(
  o: RawObject,
  m: EngineManifests,
  manifestProblems: ManifestProblem[],
): CheckedRestore {
  const ns = o.metadata.namespace ?? "default";
  const out: SpecProblem[] = [];
  const report = (reason: string, field: string, message: string) => {
    out.push({ reason, message: `${field}: ${message}` });
  };
  const checked = validateObject({
    apiVersion: "backup.livesync.dev/v1alpha1",
    kind: "Restore",
    metadata: { name: o.metadata.name, namespace: ns },
    spec: o.spec,
  });
  if (!checked.ok)
    for (const e of checked.errors) out.push({ reason: "InvalidSpec", message: formatError(e) });
  const spec = checked.ok ? (checked.value as Restore).spec : ((o.spec ?? {}) as RestoreSpec);

  const cluster = spec.destinationName
    ? resolveClusterRef(
        "spec.destinationName",
        spec.destinationName,
        ns,
        m,
        manifestProblems,
        report,
      )
    : undefined;
  if (!spec.bucketName)
    report(
      "InvalidSpec",
      "spec.bucketName",
      "required: the operator restores the backups (or the live archive) of a Bucket",
    );
  const bucket = spec.bucketName
    ? resolveBucketRef("spec.bucketName", spec.bucketName, ns, m, manifestProblems, report)
    : undefined;
  if (out.length || !cluster || !bucket) return { problems: out };
  return { problems: out, valid: { spec, refs: { ...cluster, ...bucket } } };
}
