import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { openFileBackupWriter } from "./file-writer.js";
import { BackupIntegrityError, UnsupportedFormatError, type BackupIndex } from "./format.js";
import { openBackupFromFile } from "./reader.js";
import { configMap, configMapRef, sampleBackup, writeSample } from "./testing.js";
import { compareWithIndex, objectOfPath, verifyBackupFile } from "./verify.js";

function sh(cmd: string, args: string[], cwd?: string) {
  const r = spawnSync(cmd, args, { cwd, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")}: ${r.stderr}`);
  return r.stdout;
}

/**
 * Unpacks with tar, lets `change` edit the files, packs them again in the same order (or in
 * the order `change` returns).
 */
function repack(
  path: string,
  change: (dir: string, index: BackupIndex, order: string[]) => string[] | void,
): string {
  const dir = mkdtempSync(join(tmpdir(), "backup-repack-"));
  const order = sh("tar", ["tzf", path]).trim().split("\n");
  sh("tar", ["xzf", path, "-C", dir]);
  const index = JSON.parse(readFileSync(join(dir, "index.json"), "utf8")) as BackupIndex;
  const files = change(dir, index, order) ?? order;
  const out = join(dir, "repacked.tgz");
  sh("tar", ["czf", out, "--format=posix", ...files], dir);
  return out;
}

async function sample(opts: { key?: Buffer } = {}) {
  const path = join(mkdtempSync(join(tmpdir(), "backup-verify-")), "b.tgz");
  await writeSample(openFileBackupWriter(path, opts), "b", 4);
  return path;
}

describe("verifyBackupFile", () => {
  it("passes an intact archive, plain or encrypted with its key", async () => {
    const plain = await verifyBackupFile(await sample());
    expect(plain).toMatchObject({
      ok: true,
      format: "1.0.0",
      items: 5,
      checked: "contents",
      problems: [],
    });
    const key = randomBytes(32);
    const enc = await verifyBackupFile(await sample({ key }), { key });
    expect(enc).toMatchObject({ ok: true, encrypted: true, items: 5, checked: "contents" });
  });

  it("names the object whose file was changed by one byte", async () => {
    const tampered = repack(await sample(), (dir) => {
      const file = join(dir, "resources/core/v1/configmaps/ns-1/cm-3.json");
      writeFileSync(file, readFileSync(file, "utf8").replace('"v3"', '"v4"'));
    });
    const report = await verifyBackupFile(tampered);
    expect(report.ok).toBe(false);
    expect(report.problems).toEqual([
      expect.objectContaining({
        path: "resources/core/v1/configmaps/ns-1/cm-3.json",
        gvr: "v1/configmaps",
        namespace: "ns-1",
        name: "cm-3",
        message: "does not match the index",
      }),
    ]);
    await expect(async () => {
      for await (const _ of (await openBackupFromFile(tampered)).items()) void _;
    }).rejects.toThrow(BackupIntegrityError);
  });

  it("reports a missing and an extra object", async () => {
    const gone = "resources/core/v1/configmaps/ns-0/cm-0.json";
    const intruder = "resources/core/v1/configmaps/ns-9/intruder.json";
    const changed = repack(await sample(), (dir, _index, order) => {
      mkdirSync(join(dir, "resources/core/v1/configmaps/ns-9"));
      writeFileSync(join(dir, intruder), "{}");
      return [intruder, ...order.filter((f) => f !== gone)];
    });
    const report = await verifyBackupFile(changed);
    expect(report.problems.map((p) => [p.path, p.name, p.message])).toEqual([
      [intruder, "intruder", "is in the archive but not in the index"],
      [gone, "cm-0", "is in the index but not in the archive"],
    ]);
  });

  it("refuses a newer major format and reads a newer minor one", async () => {
    const withFormat = (format: string) =>
      sample().then((p) =>
        repack(p, (dir, index) =>
          writeFileSync(join(dir, "index.json"), JSON.stringify({ ...index, format })),
        ),
      );
    const major = await withFormat("2.0.0");
    expect((await verifyBackupFile(major)).problems[0]?.message).toMatch(
      /backup format 2.0.0 is newer/,
    );
    await expect(openBackupFromFile(major)).rejects.toThrow(UnsupportedFormatError);
    const minor = await withFormat("1.7.0");
    expect(await verifyBackupFile(minor)).toMatchObject({ ok: true, format: "1.7.0" });
    expect((await openBackupFromFile(minor)).index.items).toHaveLength(5);
  });

  it("without the key checks an encrypted file against its .sha256 only, and detects truncation", async () => {
    const key = randomBytes(32);
    const path = await sample({ key });
    expect(await verifyBackupFile(path)).toMatchObject({
      ok: true,
      checked: "digest",
      encrypted: true,
    });
    writeFileSync(path, readFileSync(path).subarray(0, -7));
    const withoutKey = await verifyBackupFile(path);
    expect(withoutKey.ok).toBe(false);
    expect(withoutKey.problems[0]?.message).toBe("does not match b.tgz.sha256");
    rmSync(`${path}.sha256`);
    const withKey = await verifyBackupFile(path, { key });
    expect(withKey.problems[0]?.message).toMatch(/truncated/);
  });

  it("names the object when one byte of the compressed file is flipped inside it", async () => {
    const path = join(mkdtempSync(join(tmpdir(), "backup-verify-")), "b.tgz");
    const writer = openFileBackupWriter(path);
    await writer.add(configMapRef("ns", "small"), configMap("ns", "small"));
    // Random data does not compress: the middle of the file is the middle of this object.
    const big = {
      ...configMap("ns", "big"),
      data: { blob: randomBytes(300_000).toString("base64") },
    };
    await writer.add(configMapRef("ns", "big"), big);
    await writer.finish(
      {
        format: "",
        backup: "b",
        resourceVersion: "1",
        atomic: true,
        kubernetesVersion: "",
        createdAt: "",
      },
      sampleBackup("b"),
      { warnings: [], errors: [] },
    );
    const bytes = readFileSync(path);
    const at = Math.floor(bytes.length / 2);
    bytes[at] = bytes[at]! ^ 0x10;
    writeFileSync(path, bytes);
    const report = await verifyBackupFile(path);
    expect(report.ok).toBe(false);
    expect(report.problems[0]?.message).toBe("does not match b.tgz.sha256");
    // The gzip trailer's check fails too, before the index is out: the tar header's digest
    // is what names the object.
    expect(report.problems.filter((p) => p.name)).toEqual([
      expect.objectContaining({
        path: "resources/core/v1/configmaps/ns/big.json",
        name: "big",
        message: "does not match the sha256 in its tar header",
      }),
    ]);
  });
});

describe("compareWithIndex and objectOfPath", () => {
  it("name the object of a path, core group and cluster scope included", () => {
    expect(objectOfPath("resources/apps/v1/deployments/shop/web.json")).toEqual({
      gvr: "apps/v1/deployments",
      namespace: "shop",
      name: "web",
    });
    expect(objectOfPath("resources/core/v1/namespaces/_cluster/shop.json")).toEqual({
      gvr: "v1/namespaces",
      name: "shop",
    });
  });

  it("report a file listed twice", () => {
    const index = { items: [], files: { "backup.json": "a" } } as unknown as BackupIndex;
    const problems = compareWithIndex(
      [
        { name: "backup.json", sha256: "a" },
        { name: "backup.json", sha256: "a" },
      ],
      index,
    );
    expect(problems.map((p) => p.message)).toEqual(["appears twice in the archive"]);
  });
});
