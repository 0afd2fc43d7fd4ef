// The self-backup preset: livesync's own configuration in its management cluster (every
// LiveSynchronization, KubernetesCluster, Bucket, Task and BackupSchedule, in one namespace or
// all) plus exactly the Secrets they name, nothing else. The CLI (`backup create --self`), the
// operator and the chart's self-backup schedule use this one definition.
//
// Backups are left out on purpose: the bucket is their source of truth (an operator pointed at
// a Bucket shows the backups it holds), so a Backup object in a backup would only be a stale
// copy. TaskRuns are history, not configuration.

import type { BackupResource, BackupSpec, KubeObject } from "@livesync/api";
import { isNotFound, listPages, UnknownResourceError, type Cluster } from "@livesync/kube";

/** Set to "self" on a Backup or BackupSchedule: its resources are this preset's, resolved at each run. */
export const PRESET_ANNOTATION = "backup.livesync.dev/preset";
export const SELF_PRESET = "self";

/** The livesync kinds the preset backs up. */
export const SELF_BACKUP_RESOURCES: readonly Required<Omit<BackupResource, "filters">>[] = [
  { group: "automation.livesync.dev", version: "v1alpha1", resource: "livesynchronizations" },
  { group: "assets.livesync.dev", version: "v1alpha1", resource: "kubernetesclusters" },
  { group: "assets.livesync.dev", version: "v1alpha1", resource: "buckets" },
  { group: "automation.livesync.dev", version: "v1alpha1", resource: "tasks" },
  { group: "backup.livesync.dev", version: "v1alpha1", resource: "backupschedules" },
];

/** Every namespace carries this label with its own name (Kubernetes sets it). */
const NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name";

const str = (v: unknown) => (typeof v === "string" && v !== "" ? v : undefined);
const rec = (v: unknown) =>
  typeof v === "object" && v !== null ? (v as Record<string, unknown>) : undefined;

/**
 * The Secrets livesync objects name, by namespace: KubernetesCluster and Bucket secretName,
 * and a BackupSchedule template's encryption.secretName.
 */
export function referencedSecrets(objects: Iterable<KubeObject>): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const obj of objects) {
    const spec = rec(obj.spec);
    const names = [
      obj.kind === "KubernetesCluster" || obj.kind === "Bucket" ? str(spec?.secretName) : undefined,
      obj.kind === "BackupSchedule"
        ? str(rec(rec(spec?.template)?.encryption)?.secretName)
        : undefined,
    ].filter((n): n is string => n !== undefined);
    const ns = obj.metadata.namespace ?? "default";
    for (const name of names) {
      if (!out.has(ns)) out.set(ns, new Set());
      out.get(ns)!.add(name);
    }
  }
  return out;
}

const escapeRegex = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

export interface SelfBackupOptions {
  sourceName: string;
  bucketName?: string;
  /** Only this namespace (default: all). */
  namespace?: string;
  ttl?: string;
  encryption?: BackupSpec["encryption"];
}

/**
 * The preset's BackupSpec for the livesync kinds `served` by the cluster and the Secrets they
 * name: one Secrets entry per namespace, selecting exactly those names in exactly that
 * namespace (by the namespace's kubernetes.io/metadata.name label).
 */
export function selfBackupSpec(
  opts: SelfBackupOptions,
  served: readonly BackupResource[],
  secrets: Map<string, Set<string>>,
): BackupSpec {
  const secretEntries: BackupResource[] = [...secrets]
    .filter(([ns]) => opts.namespace === undefined || ns === opts.namespace)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([ns, names]) => ({
      group: "",
      version: "v1",
      resource: "secrets",
      filters: {
        namespaceSelector: { matchLabels: { [NAMESPACE_NAME_LABEL]: ns } },
        nameSelector: { regex: [...names].sort().map(escapeRegex) },
      },
    }));
  return {
    sourceName: opts.sourceName,
    ...(opts.bucketName ? { bucketName: opts.bucketName } : {}),
    ...(opts.namespace ? { includedNamespaces: [opts.namespace] } : {}),
    includeClusterResources: false,
    resources: [...served.map((r) => ({ ...r })), ...secretEntries],
    ...(opts.ttl ? { ttl: opts.ttl } : {}),
    ...(opts.encryption ? { encryption: opts.encryption } : {}),
  };
}

/**
 * Reads the livesync objects of the management cluster (`source`) and returns the preset's
 * spec. Kinds whose CRD is not installed are left out; none installed at all is an error.
 */
export async function resolveSelfBackupSpec(
  source: Cluster,
  opts: SelfBackupOptions,
): Promise<BackupSpec> {
  const served: BackupResource[] = [];
  const objects: KubeObject[] = [];
  for (const gvr of SELF_BACKUP_RESOURCES) {
    let info;
    try {
      info = await source.discovery.resolve(gvr);
    } catch (err) {
      if (err instanceof UnknownResourceError || isNotFound(err)) continue;
      throw err;
    }
    served.push(gvr);
    await listPages(source.rest, info, { namespace: opts.namespace }, (items) => {
      // Only the kinds that name Secrets are kept, and only their spec matters here.
      for (const o of items)
        if (o.kind !== "LiveSynchronization" && o.kind !== "Task") objects.push(o);
    });
  }
  if (served.length === 0) {
    throw new Error(
      `cluster ${source.name} serves none of livesync's resources (are livesync's CRDs installed there?)`,
    );
  }
  return selfBackupSpec(opts, served, referencedSecrets(objects));
}

/**
 * The spec a Backup runs with: its own, or, when annotated with PRESET_ANNOTATION "self", the
 * self-backup preset resolved now (namespace: the first of spec.includedNamespaces, else all;
 * source, bucket, ttl and encryption from the spec). Throws on an unknown preset.
 */
export async function specToRun(
  annotations: Record<string, string> | undefined,
  spec: BackupSpec,
  source: Cluster,
): Promise<BackupSpec> {
  const preset = annotations?.[PRESET_ANNOTATION];
  if (preset === undefined) return spec;
  if (preset !== SELF_PRESET) {
    throw new Error(
      `annotation ${PRESET_ANNOTATION}: unknown preset ${JSON.stringify(preset)} (known: ${SELF_PRESET})`,
    );
  }
  return resolveSelfBackupSpec(source, {
    sourceName: spec.sourceName,
    bucketName: spec.bucketName,
    namespace: spec.includedNamespaces?.[0],
    ttl: spec.ttl,
    encryption: spec.encryption,
  });
}
