/**
 * The snapshot is the cluster at one revision: a writer bumping a counter in a ConfigMap and a
 * Secret (one loop, the two always equal after each round) while the backup runs; and a
 * revision compacted in the middle of a backup.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { KubeObject } from "@livesync/api";
import type { Cluster } from "@livesync/kube";
import { mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  openBackupFromFile,
  openFileBackupWriter,
  restartableWriter,
  runBackup,
  type BackupWriter,
} from "../src/index.js";
import { etcdOf } from "./etcd.js";
import { createConfigMaps, Namespaces, readOnlySource, sourceFor } from "./fixtures.js";
import { MemoryWriter } from "./memory-writer.js";

const env = inject("testenv");
const src = sourceFor(env);
const etcd = etcdOf(env);
const namespaces = new Namespaces(env);
let source: Cluster;

beforeAll(async () => {
  source = await readOnlySource(env);
});
afterAll(async () => {
  source?.close();
  await namespaces.removeAll();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Sets the counter ConfigMap then the counter Secret to 1, 2, 3… until stopped. */
function counterLoop(namespace: string) {
  let value = 0;
  let stopped = false;
  const done = (async () => {
    while (!stopped) {
      value++;
      const data = { value: String(value) };
      await src.core.replaceNamespacedConfigMap({
        namespace,
        name: "counter",
        body: { metadata: { name: "counter" }, data },
      });
      await src.core.replaceNamespacedSecret({
        namespace,
        name: "counter",
        body: { metadata: { name: "counter" }, stringData: data },
      });
    }
  })();
  return {
    value: () => value,
    stop: async () => {
      stopped = true;
      await done;
    },
  };
}

const secretValue = (s: KubeObject | undefined) =>
  Buffer.from((s?.data as Record<string, string>).value!, "base64").toString();
const configMapValue = (c: KubeObject | undefined) => (c?.data as Record<string, string>).value;

describe("atomic snapshot", () => {
  it("a ConfigMap and a Secret written in one loop are backed up as they were at one revision", async () => {
    const ns = await namespaces.create("bk-atomic");
    // Filler between the two: the ConfigMaps are listed long before the Secrets.
    await createConfigMaps(src.core, ns, 300, { prefix: "filler" });
    await src.core.createNamespacedConfigMap({
      namespace: ns,
      body: { metadata: { name: "counter" }, data: { value: "0" } },
    });
    await src.core.createNamespacedSecret({
      namespace: ns,
      body: { metadata: { name: "counter" }, stringData: { value: "0" } },
    });

    const loop = counterLoop(ns);
    await sleep(300);
    const writer = new MemoryWriter();
    // A slow writer stretches the backup over many rounds of the loop.
    writer.beforeAdd = (n) => (n % 10 === 0 ? sleep(5) : undefined);
    const before = loop.value();
    const status = await runBackup({
      name: "atomic",
      spec: { sourceName: "source", includedNamespaces: [ns] },
      source,
      writer,
      pageSize: 50,
    });
    const after = loop.value();
    await loop.stop();

    expect(status.phase).toBe("Completed");
    expect(status.atomic).toBe(true);
    expect(status.nonAtomicResources).toEqual([]);
    const cm = Number(configMapValue(writer.find("configmaps", ns, "counter")));
    const secret = Number(secretValue(writer.find("secrets", ns, "counter")));
    // At any one revision the Secret holds the ConfigMap's value, or the one before it (the
    // loop writes the ConfigMap first). ConfigMaps are listed long before Secrets: listed at
    // two moments, the Secret would be ahead of the ConfigMap.
    expect([cm, cm - 1]).toContain(secret);
    // The loop went on during the backup, so listing each resource at its own moment would
    // have caught the two at different values.
    expect(after - before).toBeGreaterThanOrEqual(3);
    expect(cm).toBeGreaterThanOrEqual(before);
    expect(cm).toBeLessThanOrEqual(after);
  });
});

describe.skipIf(!etcd.available)("compaction during a backup", () => {
  let ns = "";
  beforeAll(async () => {
    ns = await namespaces.create("bk-compact");
    await createConfigMaps(src.core, ns, 20);
    await src.core.createNamespacedSecret({
      namespace: ns,
      body: { metadata: { name: "s" }, stringData: { a: "b" } },
    });
  });

  /**
   * A writer that, at its first object of `resource`, makes a write and compacts etcd past the
   * snapshot's revision.
   */
  function compactingWriter(withReset: boolean, resource: string) {
    const writer = new MemoryWriter({ withReset });
    let compactedAt = 0;
    writer.beforeAdd = async (_n, entry) => {
      if (compactedAt || entry.resource !== resource) return;
      await src.core.createNamespacedConfigMap({
        namespace: ns,
        body: { metadata: { name: `bump-${withReset}` } },
      });
      compactedAt = await etcd.compact();
    };
    return { writer, compactedAt: () => compactedAt };
  }

  /** A backup of the namespace into a compactingWriter; its status, writer and ConfigMap names. */
  async function backupWhileCompacting(withReset: boolean, resource: string, pageSize?: number) {
    const { writer, compactedAt } = compactingWriter(withReset, resource);
    const status = await runBackup({
      name: "compact",
      spec: { sourceName: "source", includedNamespaces: [ns] },
      source,
      writer,
      pageSize,
    });
    const names = writer.items
      .filter((i) => i.entry.resource === "configmaps")
      .map((i) => i.entry.name);
    return { status, writer, compactedAt: compactedAt(), names };
  }

  it("starts again from a new revision when the writer can reset: complete and atomic", async () => {
    const { status, writer, compactedAt, names } = await backupWhileCompacting(true, "namespaces");
    expect(status.phase).toBe("Completed");
    expect(compactedAt).toBeGreaterThan(0);
    expect(writer.resets).toBeGreaterThanOrEqual(1);
    expect(status.atomic).toBe(true);
    expect(Number(status.resourceVersion)).toBeGreaterThanOrEqual(compactedAt);
    expect(status.warnings!.some((w) => /compacted/.test(w.message))).toBe(true);
    // Nothing twice, nothing missing: the 20 ConfigMaps and the one made after the first revision.
    expect(new Set(names).size).toBe(names.length);
    expect(names).toHaveLength(21);
  });

  it("without a reset: completes, says which resources are not atomic, and stores each object once", async () => {
    // Compacted between two pages of the ConfigMaps: the list resumes after the last one stored.
    const { status, writer, compactedAt, names } = await backupWhileCompacting(
      false,
      "configmaps",
      5,
    );
    expect(status.phase).toBe("Completed");
    expect(compactedAt).toBeGreaterThan(0);
    expect(status.atomic).toBe(false);
    expect(status.nonAtomicResources!.length).toBeGreaterThan(0);
    expect(status.nonAtomicResources).not.toContain("v1/namespaces");
    expect(status.warnings!.some((w) => /compacted/.test(w.message))).toBe(true);
    expect(new Set(names).size).toBe(names.length);
    for (let i = 0; i < 20; i++) expect(names).toContain(`cm-${i}`);
    expect(writer.find("secrets", ns, "s")).toBeDefined();
  });

  it("a real archive file started again: atomic, each object once, no partial file left", async () => {
    const dir = mkdtempSync(join(tmpdir(), "bk-compact-"));
    const file = await restartableWriter(() => openFileBackupWriter(join(dir, "c.tgz")));
    let compactedAt = 0;
    const writer: BackupWriter = {
      add: async (entry, object) => {
        if (!compactedAt) {
          await src.core.createNamespacedConfigMap({
            namespace: ns,
            body: { metadata: { name: "bump-file" } },
          });
          compactedAt = await etcd.compact();
        }
        await file.add(entry, object);
      },
      finish: (index, backup, results) => file.finish(index, backup, results),
      abort: () => file.abort(),
      reset: () => file.reset!(),
    };
    const status = await runBackup({
      name: "compact",
      spec: { sourceName: "source", includedNamespaces: [ns] },
      source,
      writer,
    });
    expect(status.phase).toBe("Completed");
    expect(status.atomic).toBe(true);
    expect(Number(status.resourceVersion)).toBeGreaterThanOrEqual(compactedAt);
    const names: string[] = [];
    for await (const item of (await openBackupFromFile(join(dir, "c.tgz"))).items()) {
      if (item.entry.resource === "configmaps") names.push(item.entry.name);
    }
    expect(new Set(names).size).toBe(names.length);
    expect(names).toContain("bump-file");
    expect(readdirSync(dir).sort()).toEqual(["c.tgz", "c.tgz.sha256"]);
  });
});
