/**
 * One livesync backup or restore in a process of its own, so that the bench measures its peak
 * RSS apart from the bench's own memory. Runs the library the CLI and the operator run
 * (runBackup with the bucket writer, runRestore from the bucket) against the Bucket `archive`
 * of the test environment, and prints {seconds, status} as JSON: seconds from the first request
 * to the final status, without the process's start-up.
 *
 *   livesync-child.ts backup NAME '<BackupSpec JSON>'
 *   livesync-child.ts restore NAME '<RestoreSpec JSON>' CONCURRENCY
 *   livesync-child.ts idle       (loads the same modules and exits: the RSS before any work)
 */
import { readFileSync } from "node:fs";
import type { BackupSpec, RestoreSpec } from "@livesync/api";
import { BackupStore, openBucketBackupWriter, runBackup } from "@livesync/backup";
import { BUCKET_NAME, manifestsFor } from "@livesync/engine/testing";
import { Cluster } from "@livesync/kube";
import { runRestore } from "@livesync/restore";
import { readEnvFile } from "@livesync/testkit";

const [what, name, specJson, concurrency] = process.argv.slice(2);
if (what === "idle") {
  console.log(JSON.stringify({ seconds: 0, status: {} }));
  process.exit(0);
}
const env = readEnvFile();
if (!env || !name || !specJson)
  throw new Error("usage: livesync-child.ts backup|restore NAME SPEC");
const m = manifestsFor(env, []);
const store = BackupStore.forBucket(
  m.buckets.find((b) => b.metadata.name === BUCKET_NAME)!,
  m.secrets,
);
// The source as livesync sees it: through the read-only user, so the backup cannot write there.
const cluster = (name: "source" | "destination", kubeconfig: string) =>
  Cluster.fromKubeConfigYaml(name, readFileSync(kubeconfig, "utf8"));

async function backup(spec: BackupSpec) {
  const c = env!.clusters.source!;
  const source = await cluster("source", c.readOnlyKubeconfig ?? c.kubeconfig);
  const start = performance.now();
  const writer = await openBucketBackupWriter(store.target, name!);
  const status = await runBackup({ name: name!, spec, source, writer });
  return { seconds: (performance.now() - start) / 1000, status };
}

async function restore(spec: RestoreSpec) {
  const destination = await cluster("destination", env!.clusters.destination!.kubeconfig);
  const start = performance.now();
  const archive = await store.open(spec.backupName!);
  const { status } = await runRestore({
    concurrency: Number(concurrency),
    name: name!,
    spec,
    destination,
    archives: [archive],
    bucket: store,
  });
  return { seconds: (performance.now() - start) / 1000, status };
}

const spec = JSON.parse(specJson) as BackupSpec & RestoreSpec;
const result = what === "backup" ? await backup(spec) : await restore(spec);
console.log(JSON.stringify(result));
process.exit(0);
