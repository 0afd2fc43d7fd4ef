// From the management cluster's objects to what the engine runs: validation as one manifest
// set (the same rules as `livesync validate`), oldest LiveSynchronization first so that a
// conflict is reported on the newer one, naming the older.

import { createHash } from "node:crypto";
import {
  canonicalJson,
  validateManifestSet,
  type ManifestDoc,
  type ManifestProblem,
} from "@livesync/api";
import type { EngineManifests } from "@livesync/engine";
import { keyOf, nsOf, sourceOf, type RawObject } from "./objects.js";

export interface Snapshot {
  liveSyncs: RawObject[];
  clusters: RawObject[];
  buckets: RawObject[];
  taskRuns: RawObject[];
  tasks: RawObject[];
  secrets: RawObject[];
  backups: RawObject[];
  backupSchedules: RawObject[];
  restores: RawObject[];
}

export interface Desired {
  manifests: EngineManifests;
  problems: ManifestProblem[];
}

/** What validation needs: the apiserver's bookkeeping (managedFields, status, ...) removed. */
export function forValidation(o: RawObject, apiVersion: string, kind: string): unknown {
  const { name, namespace, uid, generation, labels, annotations, creationTimestamp } = o.metadata;
  return {
    apiVersion,
    kind,
    metadata: {
      name,
      namespace,
      ...(uid ? { uid } : {}),
      ...(generation !== undefined ? { generation } : {}),
      ...(creationTimestamp ? { creationTimestamp } : {}),
      ...(labels ? { labels } : {}),
      ...(annotations ? { annotations } : {}),
    },
    spec: o.spec,
  };
}

const byAge = (a: RawObject, b: RawObject) =>
  (a.metadata.creationTimestamp ?? "").localeCompare(b.metadata.creationTimestamp ?? "") ||
  keyOf(a).localeCompare(keyOf(b));

export function desiredState(snap: Snapshot): Desired {
  // Secrets only from namespaces holding livesync objects: the references resolve there.
  const namespaces = new Set(
    [...snap.liveSyncs, ...snap.clusters, ...snap.buckets].map((o) => nsOf(o)),
  );
  const secrets = snap.secrets
    .filter((s) => namespaces.has(nsOf(s)))
    .map((s) => ({
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name: s.metadata.name, namespace: nsOf(s) },
      ...(s.data ? { data: s.data } : {}),
      ...(s.stringData ? { stringData: s.stringData } : {}),
    }));
  const docsOf = (kind: string, apiVersion: string, items: RawObject[]): ManifestDoc[] =>
    items.map((o) => ({
      source: sourceOf(kind, o),
      index: 0,
      doc: forValidation(o, apiVersion, kind),
    }));
  const result = validateManifestSet([
    ...docsOf("KubernetesCluster", "assets.livesync.dev/v1alpha1", snap.clusters),
    ...docsOf("Bucket", "assets.livesync.dev/v1alpha1", snap.buckets),
    ...docsOf(
      "LiveSynchronization",
      "automation.livesync.dev/v1alpha1",
      [...snap.liveSyncs].sort(byAge),
    ),
    ...secrets.map((s) => ({ source: sourceOf("Secret", s), index: 0, doc: s })),
  ]);
  const invalid = new Set(result.problems.map((p) => p.source));
  // A LiveSynchronization naming an invalid cluster or bucket cannot run: say which and why
  // on the LiveSynchronization itself, not only on the object it names.
  for (const ls of result.objects.LiveSynchronization) {
    const { sourceName, destinationName, bucketName } = ls.spec.config;
    const refs = [
      ["spec.config.sourceName", "KubernetesCluster", sourceName],
      ["spec.config.destinationName", "KubernetesCluster", destinationName],
      ["spec.config.bucketName", "Bucket", bucketName],
    ] as const;
    for (const [path, kind, name] of refs) {
      const target = name && `${kind}/${nsOf(ls)}/${name}`;
      if (!target || !invalid.has(target)) continue;
      const why = result.problems
        .filter((p) => p.source === target)
        .map((p) => (p.path ? `${p.path}: ${p.message}` : p.message));
      result.problems.push({
        source: sourceOf("LiveSynchronization", ls),
        index: 0,
        path,
        message: `${kind} "${name}" is invalid: ${why.join("; ")}`,
      });
      invalid.add(sourceOf("LiveSynchronization", ls));
    }
  }
  const valid = <T extends { metadata: { name: string; namespace?: string } }>(
    kind: string,
    items: T[],
  ) => items.filter((o) => !invalid.has(sourceOf(kind, o)));
  return {
    manifests: {
      secrets: result.objects.Secret,
      clusters: valid("KubernetesCluster", result.objects.KubernetesCluster),
      buckets: valid("Bucket", result.objects.Bucket),
      liveSyncs: valid("LiveSynchronization", result.objects.LiveSynchronization),
    },
    problems: result.problems,
  };
}

/** Problems of one object, as "path: message". */
export function problemsOf(problems: ManifestProblem[], kind: string, o: RawObject): string[] {
  return problems
    .filter((p) => p.source === sourceOf(kind, o))
    .map((p) => (p.path ? `${p.path}: ${p.message}` : p.message));
}

/** The same value however the apiserver ordered its keys has the same digest. */
export const digest = (value: unknown) =>
  createHash("sha256").update(canonicalJson(value)).digest("hex");
