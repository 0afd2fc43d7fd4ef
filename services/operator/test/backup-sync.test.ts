/**
 * The bucket is the source of truth: a second operator, whose management cluster is the
 * `destination` test cluster (a "fresh" cluster with the same Bucket and Secret applied), shows
 * the backups the first one made as Backup objects, never runs them, and removes one whose data
 * was deleted from the bucket (as `livesync backup delete` does).
 */
import { BackupStore } from "@livesync/backup";
import { Cluster } from "@livesync/kube";
import { eventually, kubeConfigFor } from "@livesync/testkit";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { installCrds, Operator } from "../src/index.js";
import {
  addBucket,
  backupPath,
  backupPhase,
  createBackup,
  sourceNamespace,
  type BackupObj,
} from "./backup-fixture.js";
import { Fixture } from "./fixture.js";

const env = inject("testenv");
const src = kubeConfigFor(env, "source");
const SYNCED = "backup.livesync.dev/synced-from-bucket";
let f: Fixture;
let fresh: Cluster;
let freshOperator: Operator | undefined;

beforeAll(async () => {
  f = await Fixture.create(env, kubeConfigFor(env, "management"), "bk-sync");
  const srcNs = await sourceNamespace(f, src, 3);
  await addBucket(f, env, "store");
  await f.operator({ engineOptions: { components: [] } });
  await createBackup(f, "made-elsewhere", {
    sourceName: "source",
    bucketName: "store",
    includedNamespaces: [srcNs],
  });
  // The fresh cluster: same namespace name (the bucket's keys start with it), CRDs, the Bucket.
  fresh = await Cluster.fromKubeConfig("fresh", kubeConfigFor(env, "destination"));
  await installCrds(fresh);
  await fresh.rest.request("POST", "/api/v1/namespaces", {
    body: { apiVersion: "v1", kind: "Namespace", metadata: { name: f.ns } },
  });
  f.onCleanup(() => fresh.rest.request("DELETE", `/api/v1/namespaces/${f.ns}`));
});
afterAll(async () => {
  await freshOperator?.stop();
  await f?.close();
  fresh?.close();
});

/** The fixture's helpers, on the fresh cluster. */
const onFresh = (): Fixture => Object.assign(Object.create(f) as Fixture, { management: fresh });

describe("bucket sync", () => {
  it("shows the backups of the bucket in a fresh cluster, and removes one deleted from the bucket", async () => {
    const original = await backupPhase(f, "made-elsewhere", ["Completed"]);
    const g = onFresh();
    await addBucket(g, env, "store");
    freshOperator = await Operator.start({
      management: fresh,
      namespace: f.ns,
      engineOptions: { components: [] },
      backups: { bucketSyncMs: 2_000 },
      onError: (err) => f.errors.push(err.message),
    });
    const synced = await eventually(
      async () => {
        const b = (await g
          .get(backupPath(g, "backups", "made-elsewhere"))
          .catch(() => undefined)) as BackupObj | undefined;
        return b?.status?.phase ? b : undefined;
      },
      { timeoutMs: 60_000, what: "the Backup synced into the fresh cluster" },
    );
    expect(synced.status?.phase).toBe("Completed");
    expect(synced.status?.location).toBe(original.status?.location);
    expect(synced.status?.itemsBackedUp).toBe(original.status?.itemsBackedUp);
    expect(synced.metadata.annotations?.[SYNCED]).toBe(`${f.ns}/store`);

    // Deleted from the bucket (as the CLI does): both clusters drop their Backup object.
    const store = BackupStore.forBucket(
      {
        apiVersion: "assets.livesync.dev/v1alpha1",
        kind: "Bucket",
        metadata: { name: "store", namespace: f.ns },
        spec: {
          generic: { endpoint: new URL(env.s3.endpoint).host, name: env.s3.bucket, useSSL: false },
          secretName: "c",
        },
      },
      [
        {
          apiVersion: "v1",
          kind: "Secret",
          metadata: { name: "c", namespace: f.ns },
          stringData: { accessKeyID: env.s3.accessKeyID, secretAccessKey: env.s3.secretAccessKey },
        },
      ],
    );
    try {
      await store.delete("made-elsewhere");
    } finally {
      store.close();
    }
    await eventually(
      async () =>
        (await g.get(backupPath(g, "backups", "made-elsewhere")).catch(() => undefined))
          ? undefined
          : true,
      { timeoutMs: 30_000, what: "the Backup removed from the fresh cluster" },
    );
  });
});
