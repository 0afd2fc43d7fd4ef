import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { sha256Hex } from "./digest.js";
import { openFileBackupWriter } from "./file-writer.js";
import { BACKUP_FORMAT_VERSION, type BackupIndex } from "./format.js";
import { openBackupFromFile } from "./reader.js";
import { configMap, configMapRef, sampleBackup, writeSample } from "./testing.js";

const tempDir = () => mkdtempSync(join(tmpdir(), "backup-file-"));

describe("a backup written to a local file", () => {
  it("reads back every object, its Backup and its index", async () => {
    const path = join(tempDir(), "b.tgz");
    const stored = await writeSample(openFileBackupWriter(path), "b1", 7);
    expect(stored.sha256).toBe(sha256Hex(readFileSync(path)));
    expect(readFileSync(`${path}.sha256`, "utf8")).toBe(`${stored.sha256}  b.tgz\n`);

    const archive = await openBackupFromFile(path);
    expect(archive.index.format).toBe(BACKUP_FORMAT_VERSION);
    expect(archive.index.items).toHaveLength(8);
    expect(archive.backup.status).toMatchObject({
      location: path,
      formatVersion: "1.0.0",
      encrypted: false,
    });
    const items = [];
    for await (const item of archive.items()) items.push(item);
    expect(items.map((i) => i.entry.path)).toContain("resources/core/v1/configmaps/ns-1/cm-3.json");
    expect(items.map((i) => i.entry.path)).toContain(
      "resources/core/v1/namespaces/_cluster/ns-0.json",
    );
    expect(items.find((i) => i.entry.name === "cm-3")?.object).toMatchObject({
      data: { value: "v3" },
    });
  });

  it("is readable with plain tar and its index digests match the extracted files", async () => {
    const dir = tempDir();
    const path = join(dir, "b.tgz");
    await writeSample(openFileBackupWriter(path), "b2", 3);
    const out = join(dir, "x");
    spawnSync("mkdir", [out]);
    const tar = spawnSync("tar", ["xzf", path, "-C", out], { encoding: "utf8" });
    expect(tar.stderr).toBe("");
    expect(tar.status).toBe(0);
    const index = JSON.parse(readFileSync(join(out, "index.json"), "utf8")) as BackupIndex;
    for (const e of index.items) expect(sha256Hex(readFileSync(join(out, e.path)))).toBe(e.sha256);
    expect(index.files?.["backup.json"]).toBe(sha256Hex(readFileSync(join(out, "backup.json"))));
    const listing = spawnSync("tar", ["tzf", path], { encoding: "utf8" }).stdout.trim().split("\n");
    expect(listing.at(-1)).toBe("index.json");
  });

  it("leaves nothing behind when aborted, and refuses a missing directory", async () => {
    const dir = tempDir();
    const writer = openFileBackupWriter(join(dir, "b.tgz"));
    await writer.add(configMapRef("a", "x"), configMap("a", "x"));
    await writer.abort();
    expect(readdirSync(dir)).toEqual([]);
    expect(() => openFileBackupWriter(join(dir, "nope", "b.tgz"))).toThrow(
      /directory .*nope does not exist/,
    );
  });

  it("streams to disk as objects are added (the archive is never held in memory)", async () => {
    const dir = tempDir();
    const path = join(dir, "big.tgz");
    const writer = openFileBackupWriter(path);
    for (let i = 0; i < 3000; i++) {
      await writer.add(
        { ...configMapRef("big", `cm-${i}`), uid: `u${i}` },
        { ...configMap("big", `cm-${i}`), data: { big: randomBytes(1024).toString("hex") } },
      );
    }
    // 3000 objects of 2 KiB of random hex (about 1 KiB each gzip'd): most are on disk already.
    const partial = readdirSync(dir).find((f) => f.includes(".partial-"))!;
    expect(statSync(join(dir, partial)).size).toBeGreaterThan(2 * 1024 * 1024);
    await writer.finish(
      {
        format: "",
        backup: "big",
        resourceVersion: "1",
        atomic: true,
        kubernetesVersion: "v1",
        createdAt: "",
      },
      sampleBackup("big"),
      { warnings: [], errors: [] },
    );
    expect(existsSync(path)).toBe(true);
    expect(readdirSync(dir).sort()).toEqual(["big.tgz", "big.tgz.sha256"]);
  });
});
