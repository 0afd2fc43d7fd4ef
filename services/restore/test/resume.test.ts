/**
 * A restore killed halfway (SIGKILL of the CLI process) and run again under the same name
 * resumes: what the first run wrote is skipped as done, the rest is created, nothing twice.
 */
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { openFileBackupWriter } from "@livesync/backup";
import { sampleBackup } from "@livesync/backup/testing";
import { RESTORED_BY_ANNOTATION } from "@livesync/core";
import { deleteObject, listAll } from "@livesync/kube";
import { LS_NAMESPACE, manifestsFor } from "@livesync/engine/testing";
import { eventually, repoRoot } from "@livesync/testkit";
import { clusters, cm, env, kubernetesVersion, namespace, R, uniq } from "./helpers.js";

const { destination } = await clusters();
const version = await kubernetesVersion(destination);
const ns = uniq("rsr");
const COUNT = 300;
const dir = mkdtempSync(join(tmpdir(), "restore-resume-"));

afterAll(async () => {
  await deleteObject(destination.rest, R.ns, undefined, ns).catch(() => undefined);
  destination.close();
});

async function tarball(): Promise<string> {
  const path = join(dir, "b.tgz");
  const writer = openFileBackupWriter(path);
  const ref = {
    group: "",
    version: "v1",
    resource: "configmaps",
    kind: "ConfigMap",
    namespace: ns,
  };
  await writer.add(
    {
      group: "",
      version: "v1",
      resource: "namespaces",
      kind: "Namespace",
      name: ns,
      uid: "ns",
      resourceVersion: "1",
    },
    namespace(ns),
  );
  for (let i = 0; i < COUNT; i++) {
    const name = `cm-${String(i).padStart(3, "0")}`;
    await writer.add(
      { ...ref, name, uid: `u-${i}`, resourceVersion: "1" },
      cm(ns, name, { i: String(i) }),
    );
  }
  const backup = sampleBackup("resume", LS_NAMESPACE);
  backup.status = { ...backup.status, kubernetesVersion: version };
  await writer.finish(
    {
      format: "",
      backup: "resume",
      resourceVersion: "1",
      atomic: true,
      kubernetesVersion: version,
      createdAt: new Date().toISOString(),
    },
    backup,
    { warnings: [], errors: [] },
  );
  return path;
}

function manifests(): string {
  const m = manifestsFor(env, []);
  [...m.secrets, ...m.clusters].forEach((d, i) =>
    writeFileSync(join(dir, `${i}.yaml`), JSON.stringify(d)),
  );
  return dir;
}

const restored = async (name: string) =>
  (await listAll(destination.rest, R.cm, { namespace: ns })).items.filter(
    (c) => c.metadata.annotations?.[RESTORED_BY_ANNOTATION] === name,
  ).length;

describe("a restore killed halfway", () => {
  it("resumes when run again under the same name", async () => {
    const path = await tarball();
    const args = [
      "--import",
      "tsx",
      join(repoRoot(), "services", "cli", "src", "main.ts"),
      "restore",
      "create",
      "again",
      "-f",
      manifests(),
      "--destination",
      "destination",
      "--from-file",
      path,
      "--concurrency",
      "1",
      "-o",
      "json",
    ];
    const first = spawn(process.execPath, args, { stdio: "ignore" });
    const exited = new Promise((r) => first.on("exit", r));
    const before = await eventually(
      async () => {
        const n = await restored("again");
        return n >= 20 ? n : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 50, what: "the first run's writes" },
    );
    first.kill("SIGKILL");
    await exited;
    const written = await restored("again");
    expect(written).toBeGreaterThanOrEqual(before);
    expect(written).toBeLessThan(COUNT);

    const second = spawnSync(process.execPath, args, { encoding: "utf8" });
    expect(second.status).toBe(0);
    const out = JSON.parse(second.stdout) as {
      counts: Record<string, number>;
      items: { name: string; action: string; reason?: string }[];
    };
    expect(out.counts.failed).toBe(0);
    const cms = out.items.filter((i) => i.name.startsWith("cm-"));
    expect(cms.filter((i) => i.action === "skip").length).toBe(written);
    expect(
      cms.filter((i) => i.action === "skip").every((i) => i.reason === "already restored by again"),
    ).toBe(true);
    expect(cms.filter((i) => i.action === "create").length).toBe(COUNT - written);
    expect(await restored("again")).toBe(COUNT);
  }, 180_000);
});
