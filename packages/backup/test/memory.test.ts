/**
 * Memory stays flat with the object count: a backup of 2,000 ConfigMaps of 16 KB each (32 MB of
 * objects) into a real archive file, the heap measured (after a full GC) at the 300th object and
 * at the last. Keeping the objects would grow it by ~27 MB; the bound is 12 MB. The 10,000-object
 * figure (peak RSS) is the backup benchmark's.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { Cluster } from "@livesync/kube";
import { openFileBackupWriter, runBackup, type BackupWriter } from "../src/index.js";
import { createConfigMaps, Namespaces, readOnlySource, sourceFor } from "./fixtures.js";

const env = inject("testenv");
const src = sourceFor(env);
const namespaces = new Namespaces(env);
const COUNT = 2_000;
let source: Cluster;
let ns = "";

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;
const heapAfterGc = () => {
  gc();
  return process.memoryUsage().heapUsed;
};

beforeAll(async () => {
  source = await readOnlySource(env);
  ns = await namespaces.create("bk-memory");
  await createConfigMaps(src.core, ns, COUNT, { data: { blob: "x".repeat(16 * 1024) } });
}, 300_000);

afterAll(async () => {
  source?.close();
  await namespaces.removeAll();
});

describe("memory", () => {
  it("does not grow with the number of objects backed up", async () => {
    const file = openFileBackupWriter(join(mkdtempSync(join(tmpdir(), "bk-mem-")), "m.tgz"));
    const samples = new Map<number, number>();
    let added = 0;
    const writer: BackupWriter = {
      add: async (entry, object) => {
        added++;
        if (entry.resource === "configmaps" && (added === 300 || added === COUNT)) {
          samples.set(added, heapAfterGc());
        }
        await file.add(entry, object);
      },
      finish: (index, backup, results) => file.finish(index, backup, results),
      abort: () => file.abort(),
    };
    const status = await runBackup({
      name: "memory",
      spec: {
        sourceName: "source",
        includedNamespaces: [ns],
        resources: [{ version: "v1", resource: "configmaps" }],
      },
      source,
      writer,
    });
    expect(status.phase).toBe("Completed");
    // The Namespace object first, then the ConfigMaps.
    expect(status.itemsBackedUp).toBe(COUNT + 1);
    const growth = samples.get(COUNT)! - samples.get(300)!;
    console.log(
      `heap after GC: ${(samples.get(300)! / 2 ** 20).toFixed(1)} MB at 300 objects, ${(samples.get(COUNT)! / 2 ** 20).toFixed(1)} MB at ${COUNT} (growth ${(growth / 2 ** 20).toFixed(1)} MB)`,
    );
    expect(growth).toBeLessThan(12 * 2 ** 20);
  }, 300_000);
});
