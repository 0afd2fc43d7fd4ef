// Plumbing shared by the `livesync backup …` and `restore …` subcommands: flags, the -f
// manifests (the same as `livesync run -f`), finding a Bucket or a cluster by name, printing,
// and exit codes (0 ok/Completed, 3 PartiallyFailed, 1 Failed or invalid input, 2 usage).
import { readFileSync } from "node:fs";
import { parseArgs, type ParseArgsConfig } from "node:util";
import {
  clusterKubeconfig,
  KUBECONFIG_KEY,
  namespaceOf,
  type Backup,
  type BackupPhase,
  type BackupProblem,
  type Bucket,
  type KubernetesCluster,
} from "@livesync/api";
import { BackupStore, parseKey } from "@livesync/backup";
import { loadManifests, type EngineManifests } from "@livesync/engine";
import { Cluster } from "@livesync/kube";

/** A failure the user can act on: printed as is, exit code 1 (or the one given). */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = "CliError";
  }
}

/** Bad flags or arguments: the usage is printed, exit code 2. */
export class UsageError extends CliError {
  constructor(message: string) {
    super(message, 2);
    this.name = "UsageError";
  }
}

type Options = NonNullable<ParseArgsConfig["options"]>;

/** The flags every backup subcommand reading manifests takes. */
export const MANIFEST_OPTIONS = {
  file: { type: "string", short: "f", multiple: true },
  output: { type: "string", short: "o" },
  help: { type: "boolean", short: "h" },
} as const satisfies Options;

/** parseArgs, with unknown or malformed flags turned into a UsageError. */
export function parseFlags<O extends Options>(argv: string[], options: O) {
  try {
    return parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

/** -o: "json" or nothing (a human-readable table). */
export function outputFormat(output: string | undefined): "json" | "text" {
  if (output === undefined || output === "text" || output === "wide") return "text";
  if (output === "json") return "json";
  throw new UsageError(`-o ${output}: only -o json is supported`);
}

/** One JSON document on stdout. */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** Loads -f files or directories; problems in unrelated manifests are warnings on stderr. */
export function loadCliManifests(paths: string[] | undefined): EngineManifests {
  if (!paths?.length) throw new UsageError("-f DIR is required (the manifests of livesync run -f)");
  let loaded: ReturnType<typeof loadManifests>;
  try {
    loaded = loadManifests(paths);
  } catch (err) {
    throw new CliError(`cannot read ${paths.join(", ")}: ${(err as Error).message}`);
  }
  for (const p of loaded.problems) console.error(`warning: ${p.where}: ${p.message}`);
  return loaded.manifests;
}

/** "name" or "namespace/name" among objects of a kind; a clear error when absent or ambiguous. */
function findNamed<T extends { metadata: { name: string; namespace?: string } }>(
  items: T[],
  kind: string,
  ref: string,
): T {
  const [ns, name] = ref.includes("/") ? ref.split("/", 2) : [undefined, ref];
  const found = items.filter((o) => o.metadata.name === name && (!ns || namespaceOf(o) === ns));
  if (found.length === 1) return found[0]!;
  if (found.length > 1) {
    throw new CliError(
      `${kind} ${ref} is ambiguous: found in namespaces ${found.map(namespaceOf).join(", ")}; say namespace/name`,
    );
  }
  const known = items.map((o) => `${namespaceOf(o)}/${o.metadata.name}`).join(", ") || "none";
  throw new CliError(
    `${kind} ${ref} not found (or invalid) in the -f manifests (${kind}s: ${known})`,
  );
}

export const findBucket = (m: EngineManifests, ref: string): Bucket =>
  findNamed(m.buckets, "Bucket", ref);

export const findCluster = (m: EngineManifests, ref: string): KubernetesCluster =>
  findNamed(m.clusters, "KubernetesCluster", ref);

/**
 * The backup store of --bucket, checked reachable (bad credentials, a missing bucket or an
 * unreachable endpoint fail here with the bucket's own message, before anything is done).
 */
export async function openStore(
  m: EngineManifests,
  bucketRef: string | undefined,
): Promise<BackupStore> {
  if (!bucketRef) throw new UsageError("--bucket BUCKET is required");
  const bucket = findBucket(m, bucketRef);
  let store: BackupStore;
  try {
    store = BackupStore.forBucket(bucket, m.secrets);
  } catch (err) {
    throw new CliError((err as Error).message);
  }
  try {
    await store.target.client.check();
  } catch (err) {
    store.close();
    throw new CliError((err as Error).message);
  }
  return store;
}

/** An encryption key file: the 32-byte key in base64 (as in the Backup's Secret). */
export function readKeyFile(path: string | undefined): Buffer | undefined {
  if (path === undefined) return undefined;
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    throw new CliError(`cannot read key file ${path}: ${(err as Error).message}`);
  }
  try {
    return parseKey(text, `key file ${path}`);
  } catch (err) {
    throw new CliError((err as Error).message);
  }
}

/** Exit code of a finished backup or restore. */
export function exitCodeForPhase(phase: BackupPhase | undefined): number {
  if (phase === "Completed") return 0;
  if (phase === "PartiallyFailed") return 3;
  return 1;
}

/**
 * Runs a subcommand body: a UsageError prints the usage (exit 2), any other error its message
 * (exit 1, or a CliError's code).
 */
export function subcommand(
  usage: string,
  body: (argv: string[]) => Promise<number>,
): (argv: string[]) => Promise<number> {
  return async (argv) => {
    if (argv.includes("--help") || argv.includes("-h")) {
      console.error(usage);
      return 0;
    }
    try {
      return await body(argv);
    } catch (err) {
      if (err instanceof UsageError) {
        console.error(`${err.message}\n${usage}`);
        return 2;
      }
      console.error(`error: ${err instanceof Error ? err.message : String(err)}`);
      return err instanceof CliError ? err.exitCode : 1;
    }
  };
}

/** The one positional NAME of a subcommand. */
export function oneName(positionals: string[], what = "NAME"): string {
  if (positionals.length !== 1) {
    throw new UsageError(
      positionals.length
        ? `one ${what} expected, got ${positionals.join(" ")}`
        : `${what} is required`,
    );
  }
  return positionals[0]!;
}

/**
 * The JSON of `backup create`, `describe` and each `list` item: the Backup's status and name at
 * the top level, and the whole object (metadata, spec, status) too.
 */
export function backupSummary(backup: Backup): Record<string, unknown> {
  const s = backup.status ?? {};
  return {
    name: backup.metadata.name,
    namespace: backup.metadata.namespace,
    ...s,
    phase: s.phase ?? "New",
    itemsBackedUp: s.itemsBackedUp ?? 0,
    atomic: s.atomic ?? false,
    resourceVersion: s.resourceVersion ?? "",
    kubernetesVersion: s.kubernetesVersion ?? "",
    location: s.location ?? "",
    sha256: s.sha256 ?? "",
    errors: s.errors ?? [],
    warnings: s.warnings ?? [],
    apiVersion: backup.apiVersion,
    kind: backup.kind,
    metadata: backup.metadata,
    spec: backup.spec,
    status: s,
  };
}

/** "configmaps shop/settings: message" for a warning or error. */
export function describeProblem(p: BackupProblem): string {
  const what = [
    p.group ? `${p.resource}.${p.group}` : p.resource,
    p.namespace ? `${p.namespace}/${p.name ?? ""}` : p.name,
  ]
    .filter(Boolean)
    .join(" ");
  return what ? `${what}: ${p.message}` : p.message;
}

/** A KubernetesCluster of the -f manifests as a client (its kubeconfig from its Secret). */
export async function clusterFromManifests(m: EngineManifests, ref: string): Promise<Cluster> {
  const kc = findCluster(m, ref);
  const where = `KubernetesCluster ${namespaceOf(kc)}/${kc.metadata.name}`;
  const yaml = clusterKubeconfig(kc, m.secrets);
  if (yaml === undefined) {
    throw new CliError(
      `${where}: Secret ${kc.spec.secretName} not found in the -f manifests or has no key ${kc.spec.secretKey ?? KUBECONFIG_KEY}`,
    );
  }
  try {
    return await Cluster.fromKubeConfigYaml(kc.metadata.name, yaml);
  } catch (err) {
    throw new CliError(`${where}: ${(err as Error).message}`);
  }
}
