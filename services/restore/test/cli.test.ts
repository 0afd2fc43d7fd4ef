/**
 * `livesync restore create` and `describe` as a user runs them (their own process), on backups
 * runBackup took of the real source cluster: from a tarball and from a bucket (`latest`), dry
 * run and namespace mapping, a tampered tarball and an unknown backup refused before writing.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  openBucketBackupWriter,
  openFileBackupWriter,
  runBackup,
  type BackupWriter,
} from "@livesync/backup";
import { deleteObject, listAll } from "@livesync/kube";
import { auditedWrites, repoRoot } from "@livesync/testkit";
import { LS_NAMESPACE, manifestsFor } from "@livesync/engine/testing";
import { clusters, cm, create, env, namespace, R, read, s3, uniq } from "./helpers.js";

const { destination, source } = await clusters();
const ns = uniq("rscli");
const mapped = `${ns}-m`;
const bucketName = uniq("rsb");
const dir = mkdtempSync(join(tmpdir(), "restore-cli-"));
const tarball = join(dir, "backup.tgz");

function manifestsDir(): string {
  const m = manifestsFor(env, []);
  const bucket = { ...m.buckets[0]!, metadata: { name: bucketName, namespace: LS_NAMESPACE } };
  [...m.secrets, ...m.clusters, ...m.buckets, bucket].forEach((d, i) =>
    writeFileSync(join(dir, `${i}.yaml`), JSON.stringify(d)),
  );
  return dir;
}

function livesync(...args: string[]) {
  const main = join(repoRoot(), "services", "cli", "src", "main.ts");
  const r = spawnSync(process.execPath, ["--import", "tsx", main, ...args], { encoding: "utf8" });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const backup = (name: string, writer: BackupWriter) =>
  runBackup({
    name,
    namespace: LS_NAMESPACE,
    spec: { sourceName: "source", includedNamespaces: [ns] },
    source,
    writer,
  });

const target = { client: s3, bucketNamespace: LS_NAMESPACE, bucketName };
let manifests: string;

beforeAll(async () => {
  manifests = manifestsDir();
  await create(source, R.ns, namespace(ns));
  await create(source, R.cm, cm(ns, "settings", { mode: "prod" }));
  await create(source, R.secret, {
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name: "creds", namespace: ns },
    type: "Opaque",
    data: { password: "c2VjcmV0" },
  });
  await create(source, R.svc, {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name: "web", namespace: ns },
    spec: { ports: [{ port: 80 }] },
  });
  expect((await backup("first", openFileBackupWriter(tarball))).phase).toBe("Completed");
  expect((await backup("older", await openBucketBackupWriter(target, "older"))).phase).toBe(
    "Completed",
  );
  await create(source, R.cm, cm(ns, "later", { v: "1" }));
  expect((await backup("newer", await openBucketBackupWriter(target, "newer"))).phase).toBe(
    "Completed",
  );
}, 120_000);

afterAll(async () => {
  for (const n of [ns, mapped]) {
    await deleteObject(source.rest, R.ns, undefined, n).catch(() => undefined);
    await deleteObject(destination.rest, R.ns, undefined, n).catch(() => undefined);
  }
  await s3.deletePrefix(`${LS_NAMESPACE}/${bucketName}/`).catch(() => undefined);
  source.close();
  destination.close();
});

type Out = {
  phase: string;
  counts: Record<string, number>;
  items: { kind: string; namespace?: string; name: string; action: string; error?: string }[];
};

describe("livesync restore create", () => {
  it("dry run with a namespace mapping: the full plan, validated, nothing written", async () => {
    const since = new Date();
    const r = livesync(
      "restore",
      "create",
      uniq("dry"),
      "-f",
      manifests,
      "--destination",
      "destination",
      "--from-file",
      tarball,
      "--namespace-mapping",
      `${ns}:${mapped}`,
      "--dry-run",
      "-o",
      "json",
    );
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as Out;
    expect(out.phase).toBe("Completed");
    expect(out.items).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          kind: "ConfigMap",
          namespace: mapped,
          name: "settings",
          action: "create",
        }),
      ]),
    );
    expect(await read(destination, R.ns, undefined, mapped)).toBeUndefined();
    const writes = auditedWrites(env.clusters.destination!, "admin", since).filter((w) =>
      w.requestURI.includes(mapped),
    );
    expect(writes.length).toBeGreaterThan(0);
    expect(writes.filter((w) => !w.requestURI.includes("dryRun=All"))).toEqual([]);
  });

  it("restores a tarball into the mapped namespace; exit 0 and the JSON the checks read", async () => {
    const r = livesync(
      "restore",
      "create",
      uniq("file"),
      "-f",
      manifests,
      "--destination",
      "destination",
      "--from-file",
      tarball,
      "--namespace-mapping",
      `${ns}:${mapped}`,
      "-o",
      "json",
    );
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as Out;
    expect(out.counts).toMatchObject({ failed: 0, deleted: 0, updated: 0 });
    expect(out.counts.created).toBeGreaterThanOrEqual(4); // Namespace, ConfigMap, Secret, Service
    expect((await read(destination, R.cm, mapped, "settings"))?.data).toEqual({ mode: "prod" });
    expect((await read(destination, R.secret, mapped, "creds"))?.data).toEqual({
      password: "c2VjcmV0",
    });
    expect(r.stdout).not.toContain("c2VjcmV0");
  });

  it("--from-backup latest picks the newest Completed backup of the bucket; describe prints its audit", async () => {
    const name = uniq("latest");
    const r = livesync(
      "restore",
      "create",
      name,
      "-f",
      manifests,
      "--destination",
      "destination",
      "--bucket",
      bucketName,
      "--from-backup",
      "latest",
      "--include-namespaces",
      ns,
      "-o",
      "json",
    );
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as Out & { backups: string[] };
    expect(out.backups).toEqual(["newer"]);
    expect(await read(destination, R.cm, ns, "later")).toBeDefined();
    const text = livesync("restore", "describe", name, "-f", manifests, "--bucket", bucketName);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/ConfigMap:\n\s+NAMESPACE\s+NAME\s+ACTION/);
    expect(text.stdout).toMatch(new RegExp(`restore ${name} Completed: \\d+ created`));
  });

  it("refuses a tampered tarball, an unknown backup and bad usage before writing anything", async () => {
    const bytes = readFileSync(tarball);
    bytes[Math.floor(bytes.length / 2)]! ^= 0xff;
    const bad = join(dir, "tampered.tgz");
    writeFileSync(bad, bytes);
    const since = new Date();
    const target = uniq("never");
    const tampered = livesync(
      "restore",
      "create",
      uniq("t"),
      "-f",
      manifests,
      "--destination",
      "destination",
      "--from-file",
      bad,
      "--namespace-mapping",
      `${ns}:${target}`,
      "-o",
      "json",
    );
    expect(tampered.code).toBe(1);
    expect(JSON.parse(tampered.stdout)).toMatchObject({ phase: "Failed" });
    const unknown = livesync(
      "restore",
      "create",
      uniq("u"),
      "-f",
      manifests,
      "--destination",
      "destination",
      "--bucket",
      bucketName,
      "--from-backup",
      "nope",
    );
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/backup nope not found/);
    expect(
      livesync("restore", "create", "x", "-f", manifests, "--destination", "destination").code,
    ).toBe(2);
    expect(
      auditedWrites(env.clusters.destination!, "admin", since).filter((w) =>
        w.requestURI.includes(target),
      ),
    ).toEqual([]);
    const { items } = await listAll(destination.rest, R.ns, {});
    expect(items.map((n) => n.metadata.name)).not.toContain(target);
  });
});
