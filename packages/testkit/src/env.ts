import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { NodeInfo } from "./node/index.js";

/** What `.testenv/env.json` holds: everything a test, benchmark or demo needs to connect. */
export interface TestEnvironment {
  /** "binaries" (started here), "external" (user-supplied), or "containers" (testcontainers). */
  provider: Provider;
  clusters: Record<string, ClusterEndpoint>;
  /**
   * `url` lists every server, comma-separated (one for a single server). `nodes` describes the
   * servers of a NATS cluster the testkit started, so a test can kill and restart them. `auth`:
   * the server requires TLS and a password (`testenv up --nats-auth`).
   */
  nats: { url: string; nodes?: NatsNode[]; auth?: NatsAuthInfo };
  s3: S3Endpoint;
  prometheus: { url: string; targetsDir?: string };
  /** The etcd every started cluster shares (absent for external clusters). */
  etcd?: { url: string };
  /** The management cluster's node (`testenv up --node`): pods run there. */
  node?: NodeInfo;
}

/** A NATS that requires TLS and a password: its CA and each user's password. */
export interface NatsAuthInfo {
  caFile: string;
  users: Record<string, { user: string; password: string }>;
}

/** One server of a NATS cluster the testkit started (see NatsCluster). */
export interface NatsNode {
  /** server_name, e.g. "n1". */
  name: string;
  url: string;
  monitorUrl: string;
  pid: number;
  binary: string;
  /** Its configuration file: ports, store and routes stay the same across restarts. */
  config: string;
  storeDir: string;
  logFile: string;
}

export type Provider = "binaries" | "external" | "containers";

export interface ClusterEndpoint {
  kubeconfig: string;
  /** A user that can get/list/watch everything and write nothing (when we started the cluster). */
  readOnlyKubeconfig?: string;
  server: string;
  /** The apiserver's audit log (JSON lines), when we started the apiserver. */
  auditLog?: string;
}

export interface S3Endpoint {
  endpoint: string;
  region: string;
  bucket: string;
  accessKeyID: string;
  secretAccessKey: string;
  forcePathStyle?: boolean;
}

/** Replication source and destination, and a separate management cluster (three-cluster tests). */
export const REQUIRED_CLUSTERS = ["source", "destination", "management"] as const;

/** The repository root: where pnpm-workspace.yaml is. */
export function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, "pnpm-workspace.yaml"))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error("cannot find the repository root (pnpm-workspace.yaml)");
    dir = parent;
  }
  return dir;
}

/** `.testenv/` beside the repo root unless LIVESYNC_TESTENV_DIR says otherwise. */
export function testenvDir(): string {
  return resolve(process.env.LIVESYNC_TESTENV_DIR ?? join(repoRoot(), ".testenv"));
}

export function envFile(dir = testenvDir()): string {
  return join(dir, "env.json");
}

export function readEnvFile(dir = testenvDir()): TestEnvironment | undefined {
  const file = envFile(dir);
  if (!existsSync(file)) return undefined;
  return JSON.parse(readFileSync(file, "utf8")) as TestEnvironment;
}

// What the integration project's global setup hands to tests: `inject("testenv")`.
declare module "vitest" {
  export interface ProvidedContext {
    testenv: TestEnvironment;
  }
}
