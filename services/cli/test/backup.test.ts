/**
 * `livesync backup list | describe | export | verify | delete` as a user runs them: separate
 * processes, -f manifests, the testenv's real S3. Backups are seeded with the bucket writer
 * (hand-made objects) under a Bucket of a unique name, removed afterwards.
 */
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { Bucket } from "@livesync/api";
import { BackupStore, openBucketBackupWriter } from "@livesync/backup";
import { writeSample } from "@livesync/backup/testing";
import { manifestsFor, uniq } from "@livesync/engine/testing";
import type { TestEnvironment } from "@livesync/testkit";

const env: TestEnvironment = inject("testenv");
const main = resolve(import.meta.dirname, "../src/main.ts");
const m = manifestsFor(env, []);
const bucket: Bucket = {
  ...m.buckets[0]!,
  metadata: { ...m.buckets[0]!.metadata, name: uniq("bk") },
};
const bucketName = bucket.metadata.name;
const unreachable: Bucket = {
  ...bucket,
  metadata: { ...bucket.metadata, name: "unreachable" },
  spec: {
    ...bucket.spec,
    generic: { ...bucket.spec.generic, endpoint: "127.0.0.1:9", useSSL: false },
  },
};
const dir = mkdtempSync(join(tmpdir(), "livesync-backup-cli-"));
[...m.secrets, ...m.clusters, bucket, unreachable].forEach((doc, i) =>
  writeFileSync(join(dir, `${i}.json`), JSON.stringify(doc)),
);
const key = randomBytes(32);
const store = BackupStore.forBucket(bucket, m.secrets);

function livesync(args: string[]) {
  return spawnSync(process.execPath, ["--import", "tsx", main, "backup", ...args], {
    encoding: "utf8",
  });
}

beforeAll(async () => {
  await writeSample(await openBucketBackupWriter(store.target, "first"), "first", 3);
  await writeSample(await openBucketBackupWriter(store.target, "second", { key }), "second", 2);
});

afterAll(async () => {
  await store.target.client.deletePrefix(`${store.target.bucketNamespace}/${bucketName}/`);
  store.close();
});

// Each command is a fresh `tsx` process (several seconds each on a busy machine).
describe("livesync backup list and describe", { timeout: 240_000 }, () => {
  it("lists the bucket's backups as JSON", () => {
    const r = livesync(["list", "-f", dir, "--bucket", bucketName, "-o", "json"]);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    const { items } = JSON.parse(r.stdout);
    expect(items.map((b: { name: string }) => b.name).sort()).toEqual(["first", "second"]);
    const text = livesync(["list", "-f", dir, "--bucket", bucketName]);
    expect(text.stdout).toMatch(/^NAME\s+PHASE\s+ITEMS/);
    expect(text.stdout).toMatch(/\nfirst\s+Completed\s+4\s+true\s+4242/);
  });

  it("describes one backup with the documented JSON keys", () => {
    const r = livesync(["describe", "second", "-f", dir, "--bucket", bucketName, "-o", "json"]);
    expect(r.status).toBe(0);
    const json = JSON.parse(r.stdout);
    expect(json).toMatchObject({
      name: "second",
      phase: "Completed",
      itemsBackedUp: 3,
      atomic: true,
      resourceVersion: "4242",
      kubernetesVersion: "v1.35.0",
      location: `s3://${env.s3.bucket}/${store.key("second", "resources.tgz.enc")}`,
      errors: [],
      warnings: [],
      encrypted: true,
    });
    expect(json.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it("fails clearly on an unknown backup, bucket or unreachable bucket, and on usage errors", () => {
    const unknown = livesync(["describe", "nope", "-f", dir, "--bucket", bucketName]);
    expect(unknown.status).toBe(1);
    expect(unknown.stderr).toContain(
      `backup nope not found in bucket livesync-system/${bucketName}`,
    );
    const noBucket = livesync(["list", "-f", dir, "--bucket", "missing"]);
    expect(noBucket.status).toBe(1);
    expect(noBucket.stderr).toContain("Bucket missing not found (or invalid) in the -f manifests");
    const down = livesync(["list", "-f", dir, "--bucket", "unreachable"]);
    expect(down.status).toBe(1);
    expect(down.stderr).toMatch(/bucket livesync-system\/unreachable .*unreachable/);
    expect(livesync(["describe", "-f", dir, "--bucket", bucketName]).status).toBe(2);
    expect(livesync(["list", "-f", dir, "--bucket", bucketName, "--bogus"]).status).toBe(2);
    expect(livesync(["list", "--bucket", bucketName]).status).toBe(2);
  });
});

describe("livesync backup export, verify and delete", { timeout: 240_000 }, () => {
  it("exports a backup that verifies, and names the object of a tampered copy", () => {
    const path = join(dir, "first.tgz");
    const exported = livesync([
      "export",
      "first",
      "-f",
      dir,
      "--bucket",
      bucketName,
      "--to-file",
      path,
    ]);
    expect(exported.stderr).toBe("");
    expect(exported.status).toBe(0);
    expect(readFileSync(`${path}.sha256`, "utf8")).toMatch(/^[0-9a-f]{64} {2}first\.tgz\n$/);

    const ok = livesync(["verify", path, "-o", "json"]);
    expect(ok.status).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({
      ok: true,
      items: 4,
      format: "1.0.0",
      problems: [],
    });

    // Repack with one object changed (its digest in the index and tar header left as they were).
    const work = mkdtempSync(join(tmpdir(), "livesync-tamper-"));
    const order = spawnSync("tar", ["tzf", path], { encoding: "utf8" }).stdout.trim().split("\n");
    spawnSync("tar", ["xzf", path, "-C", work]);
    const victim = join(work, "resources/core/v1/configmaps/ns-1/cm-1.json");
    writeFileSync(victim, readFileSync(victim, "utf8").replace('"v1"', '"v2"'));
    const tampered = join(dir, "tampered.tgz");
    spawnSync("tar", ["czf", tampered, "--format=posix", ...order], { cwd: work });
    const bad = livesync(["verify", tampered]);
    expect(bad.status).toBe(1);
    expect(bad.stdout).toContain("FAILED");
    expect(bad.stdout).toContain(
      "resources/core/v1/configmaps/ns-1/cm-1.json (v1/configmaps ns-1/cm-1): does not match the index",
    );
    const json = JSON.parse(livesync(["verify", tampered, "-o", "json"]).stdout);
    expect(json.problems).toEqual([
      expect.objectContaining({ gvr: "v1/configmaps", namespace: "ns-1", name: "cm-1" }),
    ]);
  });

  it("exports an encrypted backup as is: verified by digest without the key, fully with it", () => {
    const path = join(dir, "second.tgz");
    expect(
      livesync(["export", "second", "-f", dir, "--bucket", bucketName, "--to-file", path]).status,
    ).toBe(0);
    const digestOnly = livesync(["verify", path, "-o", "json"]);
    expect(digestOnly.status).toBe(0);
    expect(JSON.parse(digestOnly.stdout)).toMatchObject({
      ok: true,
      encrypted: true,
      checked: "digest",
    });
    const keyFile = join(dir, "key");
    writeFileSync(keyFile, `${key.toString("base64")}\n`);
    const full = livesync(["verify", path, "--key-file", keyFile, "-o", "json"]);
    expect(JSON.parse(full.stdout)).toMatchObject({ ok: true, checked: "contents", items: 3 });
    writeFileSync(keyFile, randomBytes(32).toString("base64"));
    const wrong = livesync(["verify", path, "--key-file", keyFile]);
    expect(wrong.status).toBe(1);
    expect(wrong.stdout).toContain("encrypted with another key");
    writeFileSync(keyFile, "c2hvcnQ=");
    expect(livesync(["verify", path, "--key-file", keyFile]).stderr).toContain("must be 32 bytes");
    expect(livesync(["verify", join(dir, "absent.tgz")]).status).toBe(1);
  });

  it("deletes a backup: gone from list, and a second delete fails", () => {
    expect(livesync(["delete", "first", "-f", dir, "--bucket", bucketName]).status).toBe(0);
    const r = livesync(["list", "-f", dir, "--bucket", bucketName, "-o", "json"]);
    expect(JSON.parse(r.stdout).items.map((b: { name: string }) => b.name)).toEqual(["second"]);
    const again = livesync(["delete", "first", "-f", dir, "--bucket", bucketName]);
    expect(again.status).toBe(1);
    expect(again.stderr).toContain("backup first not found");
  });
});
