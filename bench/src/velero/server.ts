/**
 * Velero run out of cluster against a test cluster, as the peer the backup and restore benches
 * compare with: its CRDs, namespace and BackupStorageLocation go into the cluster, `velero
 * server` runs here as a child process, and Backup/Restore objects are timed from creation to
 * their final phase.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { closeSync, mkdtempSync, openSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { applyObject, isConflict, type KubeObject, type KubeRest } from "@livesync/kube";
import { eventually, type S3Endpoint } from "@livesync/testkit";
import type { VeleroBinaries } from "./build.js";

export const VELERO_NAMESPACE = "velero";
const API = `/apis/velero.io/v1/namespaces/${VELERO_NAMESPACE}`;
const FINAL_PHASES = ["Completed", "PartiallyFailed", "Failed", "FailedValidation"];

const veleroResource = (resource: string, kind: string) => ({
  group: "velero.io",
  version: "v1",
  resource,
  kind,
  namespaced: true,
  verbs: [],
});
const BSL = veleroResource("backupstoragelocations", "BackupStorageLocation");

export interface VeleroRun {
  seconds: number;
  phase: string;
  items: number;
  /** Velero's own counts (progress, warnings, errors), as its status reports them. */
  status: Record<string, unknown>;
}

/** One `velero server` against one cluster, storing under `prefix` in the test bucket. */
export class VeleroServer {
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  readonly logFile: string;
  private readonly dir = mkdtempSync(join(tmpdir(), "livesync-velero-"));

  constructor(
    private readonly bin: VeleroBinaries,
    private readonly rest: KubeRest,
    private readonly kubeconfig: string,
    private readonly s3: S3Endpoint,
    private readonly prefix: string,
  ) {
    this.logFile = join(this.dir, "velero.log");
  }

  /** CRDs, the namespace, the 0-replica `velero` Deployment its restore looks up, the BSL. */
  async install(): Promise<void> {
    const crds = spawnSync(
      this.bin.velero,
      ["install", "--crds-only", "--kubeconfig", this.kubeconfig],
      {
        encoding: "utf8",
      },
    );
    if (crds.status !== 0) throw new Error(`velero install --crds-only failed: ${crds.stderr}`);
    await eventually(() => this.rest.request("GET", `${API}/backupstoragelocations`), {
      what: "velero's CRDs to be served",
    });
    await this.create("/api/v1/namespaces", { metadata: { name: VELERO_NAMESPACE } });
    await this.create(`/apis/apps/v1/namespaces/${VELERO_NAMESPACE}/deployments`, {
      metadata: { name: "velero" },
      spec: {
        replicas: 0,
        selector: { matchLabels: { app: "velero" } },
        template: {
          metadata: { labels: { app: "velero" } },
          spec: { containers: [{ name: "velero", image: "velero/velero:unused" }] },
        },
      },
    });
    await applyObject(this.rest, BSL, this.storageLocation(), { fieldManager: "bench" });
  }

  /** Starts `velero server` and waits until it finds its storage location available. */
  async start(): Promise<void> {
    const credentials = join(this.dir, "credentials");
    writeFileSync(
      credentials,
      `[default]\naws_access_key_id=${this.s3.accessKeyID}\naws_secret_access_key=${this.s3.secretAccessKey}\n`,
    );
    const log = openSync(this.logFile, "a");
    const args = ["server", "--kubeconfig", this.kubeconfig, "--namespace", VELERO_NAMESPACE];
    args.push("--plugin-dir", this.bin.pluginDir, "--backup-sync-period", "2s");
    args.push("--store-validation-frequency", "2s", "--log-level", "info");
    const child = spawn(this.bin.velero, args, {
      stdio: ["ignore", log, log],
      env: { ...process.env, AWS_SHARED_CREDENTIALS_FILE: credentials },
    });
    closeSync(log);
    this.child = child;
    this.exited = new Promise((resolve) => child.once("exit", () => resolve()));
    await eventually(
      async () => {
        if (child.exitCode !== null) throw new Error(`velero server exited ${child.exitCode}`);
        const bsl = await this.rest.request<KubeObject>(
          "GET",
          `${API}/backupstoragelocations/default`,
        );
        return (bsl.status as { phase?: string } | undefined)?.phase === "Available" || undefined;
      },
      {
        timeoutMs: 120_000,
        intervalMs: 500,
        what: `velero's storage location (log: ${this.logFile})`,
      },
    );
  }

  /** Stops the server and waits for it to exit (its fixed metrics port must be free again). */
  async stop(): Promise<void> {
    this.child?.kill("SIGTERM");
    const killer = setTimeout(() => this.child?.kill("SIGKILL"), 15_000);
    await this.exited;
    clearTimeout(killer);
    this.child = undefined;
  }

  /** A Velero Backup of the labelled objects of `namespaces`, timed to its final phase. */
  backup(name: string, namespaces: string[], labels: Record<string, string>): Promise<VeleroRun> {
    return this.timed("backups", "Backup", name, "itemsBackedUp", {
      includedNamespaces: namespaces,
      labelSelector: { matchLabels: labels },
      snapshotVolumes: false,
      defaultVolumesToFsBackup: false,
      storageLocation: "default",
      ttl: "1h0m0s",
    });
  }

  /** A Velero Restore of `backup` with its namespaces renamed, timed to its final phase. */
  async restore(
    name: string,
    backup: string,
    namespaceMapping: Record<string, string>,
  ): Promise<VeleroRun> {
    // The backup reaches this cluster through Velero's sync from the bucket.
    await eventually(() => this.rest.request("GET", `${API}/backups/${backup}`), {
      timeoutMs: 120_000,
      intervalMs: 500,
      what: `velero backup ${backup} to be synced from the bucket`,
    });
    return this.timed("restores", "Restore", name, "itemsRestored", {
      backupName: backup,
      namespaceMapping,
    });
  }

  private async timed(
    resource: string,
    kind: string,
    name: string,
    itemsField: string,
    spec: Record<string, unknown>,
  ): Promise<VeleroRun> {
    const start = performance.now();
    await this.rest.request("POST", `${API}/${resource}`, {
      body: { apiVersion: "velero.io/v1", kind, metadata: { name }, spec },
    });
    const status = await eventually(
      async () => {
        const o = await this.rest.request<KubeObject>("GET", `${API}/${resource}/${name}`);
        const s = o.status as { phase?: string } | undefined;
        return s?.phase && FINAL_PHASES.includes(s.phase)
          ? (s as Record<string, unknown>)
          : undefined;
      },
      {
        timeoutMs: 3_600_000,
        intervalMs: 200,
        what: `velero ${kind} ${name} (log: ${this.logFile})`,
      },
    );
    const progress = (status.progress ?? {}) as Record<string, number>;
    return {
      seconds: (performance.now() - start) / 1000,
      phase: String(status.phase),
      items: progress[itemsField] ?? 0,
      status,
    };
  }

  private storageLocation(): KubeObject {
    return {
      apiVersion: "velero.io/v1",
      kind: "BackupStorageLocation",
      metadata: { name: "default", namespace: VELERO_NAMESPACE },
      spec: {
        provider: "aws",
        default: true,
        objectStorage: { bucket: this.s3.bucket, prefix: this.prefix },
        config: { region: this.s3.region, s3ForcePathStyle: "true", s3Url: this.s3.endpoint },
      },
    };
  }

  private async create(path: string, body: object): Promise<void> {
    await this.rest.request("POST", path, { body }).catch((err: unknown) => {
      if (!isConflict(err)) throw err;
    });
  }
}

/** Installs and starts Velero against one cluster, runs `fn`, and always stops the server. */
export async function withVelero<T>(
  server: VeleroServer,
  fn: (velero: VeleroServer) => Promise<T>,
): Promise<T> {
  await server.install();
  await server.start();
  try {
    return await fn(server);
  } finally {
    await server.stop();
  }
}
