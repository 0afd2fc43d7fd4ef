/**
 * `livesync backup create` as a user runs it (a separate process, real clusters, real S3): to a
 * file and to the bucket, the --self preset from the management cluster, and bad input (unknown
 * cluster, unreachable cluster, unreachable or refused bucket) failing with a clear message and
 * nothing written.
 */
import { spawnSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { CoreV1Api, CustomObjectsApi } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { BackupStore, openBackupFromFile } from "@livesync/backup";
import { liveSyncFor, manifestsFor } from "@livesync/engine/testing";
import { Cluster } from "@livesync/kube";
import { installCrds } from "@livesync/operator";
import { freshNamespace, kubeConfigFor } from "@livesync/testkit";

const env = inject("testenv");
const main = resolve(import.meta.dirname, "../src/main.ts");
const srcCore = kubeConfigFor(env, "source").makeApiClient(CoreV1Api);
const cleanups: (() => Promise<unknown>)[] = [];
/** Every manifest lives in this namespace: the bucket keeps this test's backups under it. */
const bucketNs = `bk-cli-${randomBytes(3).toString("hex")}`;
let ns = "";

afterAll(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
});

function livesync(args: string[]) {
  return spawnSync(process.execPath, ["--import", "tsx", main, ...args], { encoding: "utf8" });
}

/** `livesync backup create NAME -f <manifests> ARGS -o json`, expected to succeed: its JSON. */
function createOk(name: string, args: string[]): Record<string, unknown> {
  const r = livesync(["backup", "create", name, "-f", manifestsDir(), ...args, "-o", "json"]);
  expect(r.stderr).not.toContain("error:");
  expect(r.status).toBe(0);
  return JSON.parse(r.stdout) as Record<string, unknown>;
}

type Doc = { metadata: { name: string; namespace?: string }; [k: string]: unknown };

/** A -f directory: the testenv's Secrets, clusters and Bucket, moved to bucketNs, edited by `edit`. */
function manifestsDir(edit: (docs: Doc[]) => Doc[] = (d) => d): string {
  const m = manifestsFor(env, []);
  const management = {
    apiVersion: "assets.livesync.dev/v1alpha1",
    kind: "KubernetesCluster",
    metadata: { name: "management" },
    spec: { secretName: "management" },
  };
  const managementSecret = {
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name: "management" },
    stringData: { "kubeconfig.yaml": readFileSync(env.clusters.management!.kubeconfig, "utf8") },
  };
  const docs = [...m.secrets, ...m.clusters, ...m.buckets, management, managementSecret].map(
    (d) => ({ ...d, metadata: { ...d.metadata, namespace: bucketNs } }) as Doc,
  );
  const dir = mkdtempSync(join(tmpdir(), "livesync-backup-"));
  edit(docs).forEach((d, i) => writeFileSync(join(dir, `${i}.yaml`), JSON.stringify(d)));
  return dir;
}

const sha256File = (path: string) => createHash("sha256").update(readFileSync(path)).digest("hex");

async function itemsOf(path: string) {
  const names: string[] = [];
  for await (const item of (await openBackupFromFile(path)).items()) {
    names.push(`${item.entry.resource}/${item.entry.namespace ?? ""}/${item.entry.name}`);
  }
  return names.sort();
}

function store(): BackupStore {
  const m = manifestsFor(env, []);
  const bucket = { ...m.buckets[0]!, metadata: { name: "archive", namespace: bucketNs } };
  const secrets = m.secrets.map((s) => ({
    ...s,
    metadata: { ...s.metadata, namespace: bucketNs },
  }));
  return BackupStore.forBucket(bucket, secrets);
}

beforeAll(async () => {
  const created = await freshNamespace(kubeConfigFor(env, "source"), "bk-cli");
  ns = created.name;
  cleanups.push(created.remove);
  for (const name of ["a", "b", "c"]) {
    await srcCore.createNamespacedConfigMap({
      namespace: ns,
      body: { metadata: { name }, data: { name } },
    });
  }
  await srcCore.createNamespacedSecret({
    namespace: ns,
    body: { metadata: { name: "creds" }, stringData: { p: "x" } },
  });
  cleanups.push(async () => {
    const s = store();
    await s.target.client.deletePrefix(`${bucketNs}/`);
    s.close();
  });
});

describe("livesync backup create", () => {
  it("to a file: exit 0, the JSON summary, an archive holding the namespace", async () => {
    const out = join(mkdtempSync(join(tmpdir(), "bk-out-")), "b1.tgz");
    const json = createOk("b1", [
      "--source",
      "source",
      "--to-file",
      out,
      "--include-namespaces",
      ns,
    ]);
    expect(json).toMatchObject({
      name: "b1",
      phase: "Completed",
      atomic: true,
      location: out,
      errors: [],
    });
    expect(json.sha256).toBe(sha256File(out));
    expect(Number(json.resourceVersion)).toBeGreaterThan(0);
    expect(json.kubernetesVersion).toMatch(/^v1\./);
    expect(json.itemsBackedUp).toBe(5);
    expect(Array.isArray(json.warnings)).toBe(true);
    expect(await itemsOf(out)).toEqual([
      `configmaps/${ns}/a`,
      `configmaps/${ns}/b`,
      `configmaps/${ns}/c`,
      `namespaces//${ns}`,
      `secrets/${ns}/creds`,
    ]);
  }, 120_000);

  it("to the bucket: exit 0 and the backup is listed there; the same name again is refused", async () => {
    const args = [
      "--source",
      "source",
      "--bucket",
      "archive",
      "--include-namespaces",
      ns,
      "--selector",
      "!nothing",
    ];
    const json = createOk("b2", args);
    expect(json.location).toMatch(
      new RegExp(`^s3://${env.s3.bucket}/${bucketNs}/archive/backups/b2/`),
    );
    const s = store();
    try {
      const stored = await s.get("b2");
      expect(stored?.status).toMatchObject({
        phase: "Completed",
        itemsBackedUp: 5,
        sha256: json.sha256,
      });
    } finally {
      s.close();
    }
    const again = livesync(["backup", "create", "b2", "-f", manifestsDir(), ...args]);
    expect(again.status).toBe(1);
    expect(again.stderr).toContain("already exists");
  }, 120_000);

  it("bad input (cluster): exit 1 with a clear message and nothing written", async () => {
    const outDir = mkdtempSync(join(tmpdir(), "bk-bad-"));
    const toFile = ["--to-file", join(outDir, "x.tgz")];
    expect(failing(manifestsDir(), ["--source", "nope", ...toFile])).toContain(
      "KubernetesCluster nope not found",
    );

    const unreachableCluster = manifestsDir((docs) =>
      docs.map((d) =>
        d.metadata.name === "source" && d.kind === "Secret"
          ? { ...d, stringData: { "kubeconfig.yaml": kubeconfigFor("https://127.0.0.1:1") } }
          : d,
      ),
    );
    expect(failing(unreachableCluster, ["--source", "source", ...toFile])).toMatch(
      /KubernetesCluster .*source .* is unreachable/,
    );
    expect(readdirSync(outDir)).toEqual([]);

    const usage = livesync(["backup", "create", "x", "-f", manifestsDir(), ...toFile]);
    expect(usage.status).toBe(2);
    expect(usage.stderr).toContain("--source CLUSTER is required");
    expect(readdirSync(outDir)).toEqual([]);
  }, 120_000);

  it("bad input (bucket): exit 1 with a clear message and nothing in the bucket", async () => {
    const toBucket = ["--source", "source", "--bucket", "archive"];
    const deadBucket = manifestsDir((docs) =>
      docs.map((d) =>
        d.kind === "Bucket"
          ? {
              ...d,
              spec: {
                ...(d.spec as object),
                generic: { ...(d.spec as { generic: object }).generic, endpoint: "127.0.0.1:1" },
              },
            }
          : d,
      ),
    );
    expect(failing(deadBucket, toBucket)).toMatch(/bucket .*archive .* unreachable/);
    const badCreds = manifestsDir((docs) =>
      docs.map((d) =>
        d.metadata.name === "bucket-credentials"
          ? { ...d, stringData: { accessKeyID: "nobody", secretAccessKey: "wrong-wrong-wrong" } }
          : d,
      ),
    );
    expect(failing(badCreds, toBucket)).toMatch(/bucket .*archive .* access denied/);
    const s = store();
    try {
      expect(await s.target.client.list(`${bucketNs}/archive/backups/x/`)).toEqual([]);
    } finally {
      s.close();
    }
  }, 120_000);
});

/** `backup create x -f DIR ARGS`, expected to fail with exit 1: its stderr. */
function failing(dir: string, args: string[]): string {
  const r = livesync(["backup", "create", "x", "-f", dir, ...args]);
  expect(r.status).toBe(1);
  return r.stderr;
}

function kubeconfigFor(server: string): string {
  return JSON.stringify({
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name: "c", cluster: { server, "insecure-skip-tls-verify": true } }],
    users: [{ name: "u", user: { token: "t" } }],
    contexts: [{ name: "c", context: { cluster: "c", user: "u" } }],
    "current-context": "c",
  });
}

describe("livesync backup create --self", () => {
  it("backs up livesync's objects of one namespace and exactly the Secrets they name", async () => {
    const kc = kubeConfigFor(env, "management");
    const management = await Cluster.fromKubeConfig("management", kc);
    await installCrds(management);
    management.close();
    const mns = await freshNamespace(kc, "bk-self");
    cleanups.push(mns.remove);
    const core = kc.makeApiClient(CoreV1Api);
    const custom = kc.makeApiClient(CustomObjectsApi);
    for (const name of ["prod-kubeconfig", "s3-creds", "unrelated"]) {
      await core.createNamespacedSecret({
        namespace: mns.name,
        body: { metadata: { name }, stringData: { k: "v" } },
      });
    }
    const create = (group: string, plural: string, body: object) =>
      custom.createNamespacedCustomObject({
        group,
        version: "v1alpha1",
        namespace: mns.name,
        plural,
        body,
      });
    await create("assets.livesync.dev", "kubernetesclusters", {
      apiVersion: "assets.livesync.dev/v1alpha1",
      kind: "KubernetesCluster",
      metadata: { name: "prod" },
      spec: { secretName: "prod-kubeconfig" },
    });
    await create("assets.livesync.dev", "buckets", {
      apiVersion: "assets.livesync.dev/v1alpha1",
      kind: "Bucket",
      metadata: { name: "archive" },
      spec: { generic: { endpoint: "s3.example.com", name: "b" }, secretName: "s3-creds" },
    });
    const ls = liveSyncFor({
      name: "prod-to-dr",
      resources: [{ version: "v1", resource: "configmaps" }],
    });
    await create("automation.livesync.dev", "livesynchronizations", {
      ...ls,
      metadata: { name: ls.metadata.name },
    });

    const out = join(mkdtempSync(join(tmpdir(), "bk-self-")), "self.tgz");
    createOk("self", [
      "--source",
      "management",
      "--self",
      "--namespace",
      mns.name,
      "--to-file",
      out,
    ]);
    expect(await itemsOf(out)).toEqual([
      `buckets/${mns.name}/archive`,
      `kubernetesclusters/${mns.name}/prod`,
      `livesynchronizations/${mns.name}/prod-to-dr`,
      `namespaces//${mns.name}`,
      `secrets/${mns.name}/prod-kubeconfig`,
      `secrets/${mns.name}/s3-creds`,
    ]);
    expect(existsSync(out)).toBe(true);
  }, 120_000);
});
