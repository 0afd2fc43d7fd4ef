// `livesync restore create NAME …`: restores a backup (from a bucket or a local tarball) into a
// cluster of the -f manifests, without an operator.

import type { RestoreSpec } from "@livesync/api";
import { openBackupFromFile, type BackupArchive, type BackupStore } from "@livesync/backup";
import type { Cluster } from "@livesync/kube";
import {
  openLiveArchive,
  resolveRestoreSources,
  runRestore,
  type RestoreResult,
} from "@livesync/restore";
import {
  CliError,
  clusterFromManifests,
  exitCodeForPhase,
  loadCliManifests,
  MANIFEST_OPTIONS,
  oneName,
  openStore,
  outputFormat,
  parseFlags,
  printJson,
  readKeyFile,
  subcommand,
  UsageError,
} from "../backup/common.js";
import { parseSelector } from "../backup/create-spec.js";
import { printRestore } from "./render.js";

const usage = `usage: livesync restore create NAME -f DIR --destination CLUSTER
         (--from-backup NAME|latest --bucket BUCKET | --from-file PATH.tgz | --from-archive --bucket BUCKET)
         [--policy none|update|revert] [--dry-run] [--namespace-mapping a:b,c:d]
         [--include-namespaces a,b] [--exclude-namespaces a,b] [--selector k=v,k!=v,k,!k]
         [--allow-version-skew] [--key-file F] [--concurrency N] [-o json]
  exit 0 Completed, 3 PartiallyFailed, 1 Failed or invalid input, 2 usage`;

const OPTIONS = {
  ...MANIFEST_OPTIONS,
  destination: { type: "string" },
  "from-backup": { type: "string" },
  "from-file": { type: "string" },
  "from-archive": { type: "boolean" },
  bucket: { type: "string" },
  policy: { type: "string" },
  "dry-run": { type: "boolean" },
  "namespace-mapping": { type: "string" },
  "include-namespaces": { type: "string" },
  "exclude-namespaces": { type: "string" },
  selector: { type: "string" },
  "allow-version-skew": { type: "boolean" },
  "key-file": { type: "string" },
  concurrency: { type: "string" },
} as const;

const list = (v: string | undefined) =>
  v === undefined
    ? undefined
    : v
        .split(",")
        .map((s) => s.trim())
        .filter(Boolean);

/** "a:b,c:d" -> { a: "b", c: "d" }. */
export function parseMapping(v: string | undefined): Record<string, string> | undefined {
  if (v === undefined) return undefined;
  const out: Record<string, string> = {};
  for (const pair of list(v)!) {
    const [from, to, extra] = pair.split(":");
    if (!from || !to || extra !== undefined) {
      throw new UsageError(`--namespace-mapping: "${pair}" is not source:destination`);
    }
    out[from] = to;
  }
  return out;
}

type Flags = ReturnType<typeof parseFlags<typeof OPTIONS>>["values"];

function specOf(f: Flags): RestoreSpec {
  const policy = f.policy ?? "none";
  if (policy !== "none" && policy !== "update" && policy !== "revert") {
    throw new UsageError(`--policy ${policy}: one of none, update, revert`);
  }
  const spec: RestoreSpec = {
    destinationName: f.destination!,
    existingResourcePolicy: policy,
    dryRun: f["dry-run"] ?? false,
    allowVersionSkew: f["allow-version-skew"] ?? false,
  };
  if (f.bucket) spec.bucketName = f.bucket;
  if (f["from-backup"]) spec.backupName = f["from-backup"];
  if (f["from-archive"]) spec.fromArchive = { enabled: true };
  const mapping = parseMapping(f["namespace-mapping"]);
  if (mapping) spec.namespaceMapping = mapping;
  const inc = list(f["include-namespaces"]);
  if (inc) spec.includedNamespaces = inc;
  const exc = list(f["exclude-namespaces"]);
  if (exc) spec.excludedNamespaces = exc;
  // kubectl's equality-based selector, read as `backup create` reads it.
  if (f.selector !== undefined) spec.labelSelector = parseSelector(f.selector);
  return spec;
}

/** Opens what the flags name; every failure here is before anything is written. */
async function openSources(
  f: Flags,
  spec: RestoreSpec,
  store: BackupStore | undefined,
  key?: Buffer,
): Promise<BackupArchive[]> {
  try {
    if (f["from-file"] !== undefined) return [await openBackupFromFile(f["from-file"], { key })];
    if (f["from-archive"]) return [await openLiveArchive(store!.target)];
    const names = await resolveRestoreSources(spec, store!);
    return await Promise.all(names.map((n) => store!.open(n, { key })));
  } catch (err) {
    throw new CliError((err as Error).message);
  }
}

function checkSourceFlags(f: Flags): void {
  const ways = [f["from-backup"], f["from-file"], f["from-archive"]].filter(
    (w) => w !== undefined && w !== false,
  );
  if (ways.length !== 1)
    throw new UsageError(
      "give one of --from-backup NAME|latest, --from-file PATH.tgz, --from-archive",
    );
  if (!f.destination) throw new UsageError("--destination CLUSTER is required");
  if ((f["from-backup"] !== undefined || f["from-archive"]) && !f.bucket) {
    throw new UsageError("--bucket BUCKET is required with --from-backup and --from-archive");
  }
}

function progress(): ((p: { phase: string; done: number; total: number }) => void) | undefined {
  if (!process.stderr.isTTY) return undefined;
  let last = 0;
  return (p) => {
    const now = Date.now();
    if (now - last < 200 && p.done !== p.total) return;
    last = now;
    process.stderr.write(`\r${p.phase}: ${p.done}/${p.total}  `);
    if (p.phase === "restoring" && p.done === p.total) process.stderr.write("\n");
  };
}

export const restoreCreate = subcommand(usage, async (argv) => {
  const { values: f, positionals } = parseFlags(argv, OPTIONS);
  const name = oneName(positionals);
  const format = outputFormat(f.output);
  checkSourceFlags(f);
  const spec = specOf(f);
  const concurrency = f.concurrency === undefined ? undefined : Number(f.concurrency);
  if (concurrency !== undefined && !(Number.isInteger(concurrency) && concurrency > 0)) {
    throw new UsageError(`--concurrency ${f.concurrency}: a positive integer`);
  }
  const key = readKeyFile(f["key-file"]);
  const m = loadCliManifests(f.file);
  let store: BackupStore | undefined;
  let destination: Cluster | undefined;
  try {
    store = f.bucket ? await openStore(m, f.bucket) : undefined;
    destination = await clusterFromManifests(m, f.destination!);
    const archives = await openSources(f, spec, store, key);
    const result: RestoreResult = await runRestore({
      name,
      spec,
      destination,
      archives,
      bucket: store,
      concurrency,
      onProgress: progress(),
    });
    printRestore(name, result.audit, format, result.status);
    return exitCodeForPhase(result.status.phase);
  } catch (err) {
    if (format === "json" && !(err instanceof UsageError)) {
      printJson({
        name,
        phase: "Failed",
        error: (err as Error).message,
        counts: { created: 0, updated: 0, deleted: 0, unchanged: 0, skipped: 0, failed: 0 },
        items: [],
      });
    }
    throw err;
  } finally {
    destination?.close();
    store?.close();
  }
});
