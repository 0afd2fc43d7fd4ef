/**
 * Backup helpers for operator tests: a Bucket on the test S3 (and one that cannot be reached),
 * a source namespace with a few ConfigMaps, Backup/BackupSchedule paths, waiting for a phase,
 * and reading what a backup left in the bucket.
 */
import { CoreV1Api, type KubeConfig } from "@kubernetes/client-node";
import { backupsPrefix } from "@livesync/backup";
import { bucketClient } from "@livesync/bucket";
import { eventually, freshNamespace, type TestEnvironment } from "@livesync/testkit";
import type { Fixture, Obj } from "./fixture.js";

export const BACKUPS = "/apis/backup.livesync.dev/v1alpha1";

export interface BackupObj extends Obj {
  metadata: Obj["metadata"] & { labels?: Record<string, string> };
  status?: Obj["status"] & {
    itemsBackedUp?: number;
    location?: string;
    sha256?: string;
    expiration?: string;
    completionTime?: string;
    lastBackup?: string;
    lastSuccessfulBackup?: string;
    nextRun?: string;
  };
}

export const backupPath = (f: Fixture, plural: "backups" | "backupschedules", name?: string) =>
  `${BACKUPS}/namespaces/${f.ns}/${plural}${name ? `/${name}` : ""}`;

/** A Secret with the test S3's credentials and a Bucket `name` on it (in f's cluster). */
export async function addBucket(
  f: Fixture,
  env: TestEnvironment,
  name: string,
  endpoint = new URL(env.s3.endpoint).host,
): Promise<void> {
  await f.create(`/api/v1/namespaces/${f.ns}/secrets`, {
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name: `${name}-credentials` },
    stringData: { accessKeyID: env.s3.accessKeyID, secretAccessKey: env.s3.secretAccessKey },
  });
  await f.create(f.path("buckets"), {
    apiVersion: "assets.livesync.dev/v1alpha1",
    kind: "Bucket",
    metadata: { name },
    spec: {
      generic: { endpoint, name: env.s3.bucket, useSSL: false, region: env.s3.region },
      secretName: `${name}-credentials`,
    },
  });
}

/** A source namespace holding `n` ConfigMaps (removed at clean-up). */
export async function sourceNamespace(f: Fixture, src: KubeConfig, n: number): Promise<string> {
  const ns = await freshNamespace(src, "bk-src");
  f.onCleanup(ns.remove);
  const core = src.makeApiClient(CoreV1Api);
  for (let i = 0; i < n; i++)
    await core.createNamespacedConfigMap({
      namespace: ns.name,
      body: { metadata: { name: `cm-${i}` }, data: { i: String(i) } },
    });
  return ns.name;
}

export function createBackup(
  f: Fixture,
  name: string,
  spec: Record<string, unknown>,
  labels?: Record<string, string>,
): Promise<unknown> {
  return f.create(backupPath(f, "backups"), {
    apiVersion: "backup.livesync.dev/v1alpha1",
    kind: "Backup",
    metadata: { name, ...(labels ? { labels } : {}) },
    spec,
  });
}

/** Waits until the Backup has one of `phases`; returns it. */
export function backupPhase(
  f: Fixture,
  name: string,
  phases: string[],
  timeoutMs = 90_000,
): Promise<BackupObj> {
  let last: BackupObj | undefined;
  return eventually(
    async () => {
      last = (await f.get(backupPath(f, "backups", name))) as BackupObj;
      return phases.includes(last.status?.phase ?? "") ? last : undefined;
    },
    {
      timeoutMs,
      what: () => `Backup ${name} in ${phases.join("|")}: ${JSON.stringify(last?.status)}`,
    },
  );
}

/** The Backups of the namespace. */
export async function listBackups(f: Fixture): Promise<BackupObj[]> {
  const list = await f.management.rest.request<{ items: BackupObj[] }>(
    "GET",
    backupPath(f, "backups"),
  );
  return list.items;
}

/** Keys the bucket holds for backup `name` of Bucket f.ns/`bucket`. */
export async function bucketKeys(
  env: TestEnvironment,
  ns: string,
  bucket: string,
  name: string,
): Promise<string[]> {
  const client = bucketClient({ ...env.s3, bucket: env.s3.bucket });
  try {
    return await client.list(`${backupsPrefix(ns, bucket)}${name}/`);
  } finally {
    client.close();
  }
}
