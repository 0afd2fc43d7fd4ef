/**
 * Uninstall and reinstall without losing anything, with the chart installed by the real `helm`
 * in a management cluster of this test's own (it deletes the livesync CRDs, which would delete
 * every other test's objects in a shared cluster). The chart's pods cannot run here (the test
 * clusters have no nodes), so the operator runs out of cluster, as it would in its pod.
 *
 * 1. helm install; the user's objects (Secrets, KubernetesClusters, a Bucket, a
 *    LiveSynchronization replicating ConfigMaps source -> destination, a Backup, a
 *    BackupSchedule); the operator replicates; `livesync backup create --self` saves them.
 * 2. helm uninstall: every CRD and every object is still there, none with a finalizer.
 * 3. helm install again: the operator picks everything up and replication goes on.
 * 4. The CRDs deleted by hand (their objects go with them) and the Secrets too; helm install;
 *    `livesync restore create` of the self-backup: every object and Secret is back, and
 *    replication resumes, catching up with what changed while livesync was gone.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { liveSyncFor, manifestsFor, uniq } from "@livesync/engine/testing";
import { bucketClient } from "@livesync/bucket";
import { Cluster, isNotFound } from "@livesync/kube";
import {
  eventually,
  freshNamespace,
  helmBinary,
  kubeConfigFor,
  startPrivateCluster,
  type PrivateCluster,
} from "@livesync/testkit";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { Operator } from "../src/index.js";

const env = inject("testenv");
const repo = (path: string) => resolve(import.meta.dirname, "../../..", path);
const CHART = repo("deploy/helm/livesync");
const CLI = repo("services/cli/src/main.ts");
const CRDS = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions";
const CRD_NAMES = readdirSync(join(CHART, "crds"))
  .filter((f) => f.endsWith(".yaml"))
  .map((f) => f.replace(/\.yaml$/, ""));

const id = uniq("uninstall");
/** The release namespace, also where the livesync objects live (the chart's default). */
const NS = id;
const LABEL = "uninstall-dr";
const SELF_BACKUP = `self-${id}`;

const AUTOMATION = `/apis/automation.livesync.dev/v1alpha1/namespaces/${NS}`;
const ASSETS = `/apis/assets.livesync.dev/v1alpha1/namespaces/${NS}`;
const BACKUP = `/apis/backup.livesync.dev/v1alpha1/namespaces/${NS}`;
const SECRETS = `/api/v1/namespaces/${NS}/secrets`;

/** Every object of the user's, by path. */
const USER_OBJECTS = [
  `${AUTOMATION}/livesynchronizations/${id}`,
  `${ASSETS}/kubernetesclusters/source`,
  `${ASSETS}/kubernetesclusters/destination`,
  `${ASSETS}/buckets/archive`,
  `${BACKUP}/backupschedules/nightly`,
  `${SECRETS}/source`,
  `${SECRETS}/destination`,
  `${SECRETS}/bucket-credentials`,
];
/** Made by the operator (the Task) or by the user once (the Backup): kept by an uninstall. */
const TASK = `${AUTOMATION}/tasks/${id}`;
const USER_BACKUP = `${BACKUP}/backups/configmaps-${id}`;

let m: PrivateCluster;
let mgmt: Cluster;
let source: Cluster;
let destination: Cluster;
let helm: string;
let srcNs: string;
let manifestsDir: string;
let op: Operator | undefined;
const errors: string[] = [];
const cleanups: (() => Promise<unknown>)[] = [];

interface Obj {
  metadata: {
    name: string;
    uid?: string;
    finalizers?: string[];
    deletionTimestamp?: string;
    annotations?: Record<string, string>;
  };
  data?: Record<string, string>;
  status?: { phase?: string };
}

const helmRun = (...args: string[]) =>
  execFileSync(helm, [...args, "--kubeconfig", m.kubeconfig], { encoding: "utf8" });
const helmInstall = () =>
  helmRun("install", "livesync", CHART, "--namespace", NS, "--create-namespace");
const helmUninstall = () => helmRun("uninstall", "livesync", "--namespace", NS);

const get = (path: string) => mgmt.rest.request<Obj>("GET", path);
const exists = (path: string) =>
  get(path).then(
    () => true,
    (err: unknown) => {
      if (isNotFound(err)) return false;
      throw err;
    },
  );

/** POST, retried while a just-installed CRD is not served yet. */
const create = (path: string, body: unknown) =>
  eventually(
    () =>
      mgmt.rest.request("POST", path, { body }).catch((err: unknown) => {
        if (isNotFound(err)) return undefined;
        throw err;
      }),
    { timeoutMs: 60_000, what: `POST ${path}` },
  );

function livesync(args: string[]) {
  const r = spawnSync(process.execPath, ["--import", "tsx", CLI, ...args], { encoding: "utf8" });
  expect(r.status, `livesync ${args.join(" ")}\n${r.stderr}`).toBe(0);
  return JSON.parse(r.stdout) as { phase: string; counts?: Record<string, number> };
}

async function startOperator(): Promise<void> {
  op = await Operator.start({
    management: mgmt,
    namespace: NS,
    onError: (err) => errors.push(err.message),
    engineOptions: { firstReconcileDelayMs: 1_000 },
    backups: { bucketSyncMs: 2_000 },
  });
}
async function stopOperator(): Promise<void> {
  await op?.stop();
  op = undefined;
}

async function sourceConfigMap(name: string): Promise<void> {
  await source.rest.request("POST", `/api/v1/namespaces/${srcNs}/configmaps`, {
    body: { metadata: { name }, data: { name } },
  });
}
/** Waits for the copy of a source ConfigMap in the destination. */
const replicated = (name: string) =>
  eventually(
    () =>
      destination.rest
        .request("GET", `/api/v1/namespaces/${srcNs}/configmaps/${name}`)
        .catch(() => undefined),
    { timeoutMs: 60_000, what: `ConfigMap ${srcNs}/${name} replicated to the destination` },
  );

/** The user's objects as the apiserver returns them now, by path. */
const snapshotOf = async (paths: string[]) =>
  Object.fromEntries(await Promise.all(paths.map(async (p) => [p, await get(p)] as const)));

beforeAll(async () => {
  helm = helmBinary();
  m = await startPrivateCluster("uninstall");
  cleanups.push(() => m.stop());
  mgmt = await Cluster.fromKubeConfigYaml("management", readFileSync(m.kubeconfig, "utf8"));
  source = await Cluster.fromKubeConfig("source", kubeConfigFor(env, "source"));
  destination = await Cluster.fromKubeConfig("destination", kubeConfigFor(env, "destination"));
  const ns = await freshNamespace(kubeConfigFor(env, "source"), "uninstall-src", { [LABEL]: id });
  srcNs = ns.name;
  cleanups.push(
    ns.remove,
    () => destination.rest.request("DELETE", `/api/v1/namespaces/${srcNs}`),
    () => destination.rest.request("DELETE", `/api/v1/namespaces/${NS}`),
  );
  cleanups.push(async () => {
    const s3 = bucketClient({ ...env.s3, forcePathStyle: true });
    await s3.deletePrefix(`${NS}/archive/`);
    s3.close();
  });

  // What the user keeps outside the cluster to run the CLI: the management cluster's
  // kubeconfig as a KubernetesCluster, and the Bucket with its credentials.
  const base = manifestsFor(env, []);
  const docs = [
    ...base.secrets,
    ...base.buckets,
    {
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name: "management" },
      stringData: { "kubeconfig.yaml": readFileSync(m.kubeconfig, "utf8") },
    },
    {
      apiVersion: "assets.livesync.dev/v1alpha1",
      kind: "KubernetesCluster",
      metadata: { name: "management" },
      spec: { secretName: "management" },
    },
  ].map((d) => ({ ...d, metadata: { ...d.metadata, namespace: NS } }));
  manifestsDir = mkdtempSync(join(tmpdir(), "livesync-uninstall-"));
  cleanups.push(async () => rmSync(manifestsDir, { recursive: true, force: true }));
  docs.forEach((d, i) => writeFileSync(join(manifestsDir, `${i}.json`), JSON.stringify(d)));
}, 120_000);

afterAll(async () => {
  await stopOperator().catch(() => undefined);
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
  for (const c of [mgmt, source, destination]) c?.close();
});

describe("uninstall and reinstall safely", () => {
  it("the chart's templates hold no CRD and no hook: only crds/ installs them, and Helm never deletes those", () => {
    const rendered = execFileSync(helm, ["template", "livesync", CHART, "--namespace", NS], {
      encoding: "utf8",
    });
    expect(rendered).not.toMatch(/kind:\s*CustomResourceDefinition/);
    expect(rendered).not.toContain("helm.sh/hook");
    expect(CRD_NAMES.length).toBeGreaterThanOrEqual(8);
  });

  it("helm uninstall keeps the CRDs and every object; reinstall resumes; after the CRDs are deleted, the self-backup brings everything back", async () => {
    helmInstall();
    const { secrets, clusters, buckets } = manifestsFor(env, []);
    const ls = liveSyncFor({
      name: id,
      resources: [
        {
          group: "",
          version: "v1",
          resource: "configmaps",
          filters: { namespaceSelector: { matchLabels: { [LABEL]: id } } },
        },
      ],
    });
    for (const s of secrets) await create(SECRETS, { ...s, metadata: { name: s.metadata.name } });
    for (const c of clusters)
      await create(`${ASSETS}/kubernetesclusters`, { ...c, metadata: { name: c.metadata.name } });
    for (const b of buckets)
      await create(`${ASSETS}/buckets`, { ...b, metadata: { name: b.metadata.name } });
    await create(`${AUTOMATION}/livesynchronizations`, { ...ls, metadata: { name: id } });
    await create(`${BACKUP}/backups`, {
      apiVersion: "backup.livesync.dev/v1alpha1",
      kind: "Backup",
      metadata: { name: `configmaps-${id}` },
      spec: {
        sourceName: "source",
        bucketName: "archive",
        includedNamespaces: [srcNs],
        includeClusterResources: false,
        resources: [{ group: "", version: "v1", resource: "configmaps" }],
      },
    });
    await create(`${BACKUP}/backupschedules`, {
      apiVersion: "backup.livesync.dev/v1alpha1",
      kind: "BackupSchedule",
      metadata: { name: "nightly" },
      spec: {
        schedule: "0 3 * * *",
        maxBackups: 7,
        paused: true,
        template: { sourceName: "source", bucketName: "archive" },
      },
    });

    await sourceConfigMap("before-uninstall");
    await startOperator();
    await replicated("before-uninstall");
    await eventually(() => exists(TASK).then((e) => e || undefined), { what: "the Task" });
    await eventually(
      () => get(USER_BACKUP).then((b) => (b.status?.phase === "Completed" ? b : undefined)),
      { timeoutMs: 60_000, what: "the user's Backup to complete" },
    );

    // The self-backup, as the README shows it.
    const self = livesync([
      "backup",
      "create",
      SELF_BACKUP,
      "-f",
      manifestsDir,
      "--source",
      "management",
      "--self",
      "--namespace",
      NS,
      "--bucket",
      "archive",
      "-o",
      "json",
    ]);
    expect(self.phase).toBe("Completed");

    // helm uninstall (the operator's pods go with it).
    const before = await snapshotOf([...USER_OBJECTS, TASK, USER_BACKUP]);
    await stopOperator();
    helmUninstall();
    expect(await exists(`/apis/apps/v1/namespaces/${NS}/deployments/livesync-operator`)).toBe(
      false,
    );
    for (const crd of CRD_NAMES) expect(await exists(`${CRDS}/${crd}`), crd).toBe(true);
    for (const [path, was] of Object.entries(before)) {
      const now = await get(path);
      expect(now.metadata.uid, path).toBe(was.metadata.uid);
      expect(now.metadata.deletionTimestamp, path).toBeUndefined();
      expect(now.metadata.finalizers ?? [], path).toEqual([]);
    }

    // helm install again: the operator picks everything up.
    helmInstall();
    await startOperator();
    await sourceConfigMap("after-reinstall");
    await replicated("after-reinstall");
    expect((await get(USER_BACKUP)).status?.phase).toBe("Completed"); // not run again
    await stopOperator();

    // The CRDs deleted by hand: every livesync object goes. The Secrets go too (a wiped
    // namespace), so that the restore must bring them back.
    helmUninstall();
    for (const crd of CRD_NAMES) await mgmt.rest.request("DELETE", `${CRDS}/${crd}`);
    await eventually(
      async () => {
        for (const crd of CRD_NAMES) if (await exists(`${CRDS}/${crd}`)) return undefined;
        return true;
      },
      { timeoutMs: 60_000, what: "the livesync CRDs to be gone" },
    );
    for (const name of ["source", "destination", "bucket-credentials"])
      await mgmt.rest.request("DELETE", `${SECRETS}/${name}`);
    await sourceConfigMap("while-gone");

    // helm install, then the restore of the self-backup.
    helmInstall();
    await eventually(
      () => exists(`${AUTOMATION}/livesynchronizations`).then((e) => e || undefined),
      { timeoutMs: 60_000, what: "the reinstalled CRDs to be served" },
    );
    const restored = livesync([
      "restore",
      "create",
      `restore-${id}`,
      "-f",
      manifestsDir,
      "--destination",
      "management",
      "--from-backup",
      SELF_BACKUP,
      "--bucket",
      "archive",
      "-o",
      "json",
    ]);
    expect(restored.phase).toBe("Completed");
    for (const path of USER_OBJECTS) {
      const now = await get(path);
      expect(now.metadata.annotations?.["livesync.dev/restored-by"], path).toBe(`restore-${id}`);
    }
    for (const name of ["source", "destination", "bucket-credentials"]) {
      const was = before[`${SECRETS}/${name}`]!;
      expect((await get(`${SECRETS}/${name}`)).data, name).toEqual(was.data);
    }

    // Replication resumes: what changed while livesync was gone, and what changes now.
    await startOperator();
    await replicated("while-gone");
    await sourceConfigMap("after-restore");
    await replicated("after-restore");
    // The bucket is the source of truth for backups: the Backup objects come back from it.
    await eventually(() => exists(USER_BACKUP).then((e) => e || undefined), {
      timeoutMs: 60_000,
      what: "the user's Backup back from the bucket",
    });
    await eventually(() => exists(TASK).then((e) => e || undefined), { what: "the Task" });
  });
});
