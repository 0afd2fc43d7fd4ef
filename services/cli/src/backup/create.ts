// `livesync backup create NAME …`: a backup of a cluster named in the -f manifests, into a
// Bucket or a local file, without an operator. Everything is checked (manifests, cluster and
// bucket reachable, encryption key) before anything is written.

import { namespaceOf, type Backup, type BackupSpec, type BackupStatus } from "@livesync/api";
import {
  backupKeyFromSecrets,
  openBucketBackupWriter,
  openFileBackupWriter,
  resolveSelfBackupSpec,
  restartableWriter,
  runBackup,
  ttlMs,
  type BackupProgress,
  type BackupWriter,
} from "@livesync/backup";
import type { EngineManifests } from "@livesync/engine";
import { Cluster } from "@livesync/kube";
import {
  backupSummary,
  CliError,
  describeProblem,
  exitCodeForPhase,
  clusterFromManifests,
  findCluster,
  loadCliManifests,
  MANIFEST_OPTIONS,
  oneName,
  openStore,
  outputFormat,
  parseFlags,
  printJson,
  subcommand,
  UsageError,
} from "./common.js";
import { specFromFlags } from "./create-spec.js";

const usage = `usage: livesync backup create NAME -f DIR --source CLUSTER (--bucket BUCKET | --to-file PATH.tgz)
         [--include-namespaces a,b] [--exclude-namespaces c,d] [--selector k=v,…]
         [--include-cluster-resources] [--ttl 720h] [--encryption-secret SECRET] [-o json]
       livesync backup create NAME -f DIR --source MANAGEMENT-CLUSTER --self [--namespace NS] (--bucket … | --to-file …)
  --self backs up livesync's own configuration (LiveSynchronizations, KubernetesClusters, Buckets,
  Tasks, BackupSchedules and the Secrets they name) from its management cluster.
  exit 0 Completed, 3 PartiallyFailed, 1 Failed or invalid input, 2 usage`;

const OPTIONS = {
  ...MANIFEST_OPTIONS,
  source: { type: "string" },
  bucket: { type: "string" },
  "to-file": { type: "string" },
  "include-namespaces": { type: "string" },
  "exclude-namespaces": { type: "string" },
  selector: { type: "string", short: "l" },
  "include-cluster-resources": { type: "boolean" },
  ttl: { type: "string" },
  "encryption-secret": { type: "string" },
  self: { type: "boolean" },
  namespace: { type: "string", short: "n" },
} as const;

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

export const backupCreate = subcommand(usage, async (argv) => {
  const { values: v, positionals } = parseFlags(argv, OPTIONS);
  const name = oneName(positionals);
  const output = outputFormat(v.output);
  if (!v.source) throw new UsageError("--source CLUSTER is required");
  if (!v.bucket === !v["to-file"])
    throw new UsageError("give one of --bucket BUCKET or --to-file PATH.tgz");
  if (v.namespace !== undefined && !v.self) throw new UsageError("--namespace goes with --self");
  if (
    v.self &&
    (v["include-namespaces"] ||
      v["exclude-namespaces"] ||
      v.selector ||
      v["include-cluster-resources"])
  ) {
    throw new UsageError("--self is a preset: it takes no scope flags (only --namespace)");
  }
  if (!DNS_SUBDOMAIN.test(name) || name.length > 253) {
    throw new CliError(
      `backup name "${name}" is not a valid Kubernetes name (lowercase letters, digits, '-' and '.')`,
    );
  }
  if (v.ttl !== undefined && ttlMs(v.ttl) === undefined) {
    throw new CliError(`--ttl ${v.ttl}: not a duration like 720h, 90m or 1h30m`);
  }
  const manifests = loadCliManifests(v.file);
  const clusterObj = findCluster(manifests, v.source);
  const namespace = namespaceOf(clusterObj);
  const flags = {
    source: clusterObj.metadata.name,
    bucket: v.bucket,
    ttl: v.ttl,
    encryptionSecret: v["encryption-secret"],
  };
  const encryption = flags.encryptionSecret ? { secretName: flags.encryptionSecret } : undefined;
  const key = encryption ? keyOf(encryption, namespace, manifests) : undefined;

  const source = await connect(manifests, v.source);
  try {
    const spec: BackupSpec = v.self
      ? await resolveSelfBackupSpec(source, {
          sourceName: flags.source,
          bucketName: v.bucket,
          namespace: v.namespace,
          ttl: v.ttl,
          encryption,
        })
      : specFromFlags({
          ...flags,
          includeNamespaces: v["include-namespaces"],
          excludeNamespaces: v["exclude-namespaces"],
          selector: v.selector,
          includeClusterResources: v["include-cluster-resources"],
        });
    const { writer, close } = await openWriter(manifests, name, {
      bucket: v.bucket,
      file: v["to-file"],
      key,
    });
    let status: BackupStatus;
    try {
      const progress = process.stderr.isTTY ? new ProgressLine() : undefined;
      status = await runBackup({
        name,
        namespace,
        spec,
        source,
        writer,
        onProgress: progress?.show,
      });
      progress?.clear();
    } finally {
      close();
    }
    const backup: Backup = {
      apiVersion: "backup.livesync.dev/v1alpha1",
      kind: "Backup",
      metadata: { name, namespace },
      spec,
      status,
    };
    report(backup, output);
    return exitCodeForPhase(status.phase);
  } finally {
    source.close();
  }
});

function keyOf(encryption: { secretName: string }, namespace: string, m: EngineManifests): Buffer {
  try {
    return backupKeyFromSecrets(encryption, namespace, m.secrets);
  } catch (err) {
    throw new CliError(`--encryption-secret: ${(err as Error).message} (in the -f manifests)`);
  }
}

/** The source cluster, checked to answer (its /version) before anything is written. */
async function connect(m: EngineManifests, ref: string): Promise<Cluster> {
  const cluster = await clusterFromManifests(m, ref);
  try {
    await cluster.rest.request("GET", "/version", { signal: AbortSignal.timeout(15_000) });
  } catch (err) {
    cluster.close();
    throw new CliError(
      `KubernetesCluster ${ref} (${cluster.rest.server.origin}) is unreachable: ${(err as Error).message}`,
    );
  }
  return cluster;
}

/**
 * The file or bucket writer; a bucket is checked reachable first (nothing written otherwise).
 * Restartable: a revision compacted mid-backup starts the snapshot again, atomic.
 */
async function openWriter(
  m: EngineManifests,
  name: string,
  to: { bucket?: string; file?: string; key?: Buffer },
): Promise<{ writer: BackupWriter; close: () => void }> {
  if (to.file !== undefined) {
    try {
      const file = to.file;
      const writer = await restartableWriter(() => openFileBackupWriter(file, { key: to.key }));
      return { writer, close: () => undefined };
    } catch (err) {
      throw new CliError((err as Error).message);
    }
  }
  const store = await openStore(m, to.bucket);
  try {
    const writer = await restartableWriter(() =>
      openBucketBackupWriter(store.target, name, { key: to.key }),
    );
    return { writer, close: () => store.close() };
  } catch (err) {
    store.close();
    throw new CliError((err as Error).message);
  }
}

function report(backup: Backup, output: "json" | "text"): void {
  const s = backup.status ?? {};
  for (const w of s.warnings ?? []) console.error(`warning: ${describeProblem(w)}`);
  for (const e of s.errors ?? []) console.error(`error: ${describeProblem(e)}`);
  if (output === "json") {
    printJson(backupSummary(backup));
    return;
  }
  const atomic = s.atomic
    ? `atomic at resourceVersion ${s.resourceVersion}`
    : `NOT atomic (${(s.nonAtomicResources ?? []).join(", ") || "nothing listed"})`;
  console.log(
    `backup ${backup.metadata.name}: ${s.phase}, ${s.itemsBackedUp ?? 0} items, ${atomic}`,
  );
  if (s.location)
    console.log(
      `  ${s.location}  sha256 ${s.sha256}  ${s.size} bytes${s.encrypted ? ", encrypted" : ""}`,
    );
  if (s.kubernetesVersion)
    console.log(`  source Kubernetes ${s.kubernetesVersion}; expires ${s.expiration}`);
}

/** "backing up: 1200 of ~5400 items" on one stderr line, rewritten in place. */
class ProgressLine {
  show = (p: BackupProgress): void => {
    const of = p.itemsTotal !== undefined ? ` of ~${p.itemsTotal}` : "";
    process.stderr.write(
      `\r\x1b[Kbacking up: ${p.itemsBackedUp}${of} items (${p.resourcesDone}/${p.resourcesTotal} resources)`,
    );
  };
  clear(): void {
    process.stderr.write("\r\x1b[K");
  }
}
