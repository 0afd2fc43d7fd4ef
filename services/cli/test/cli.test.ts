/**
 * `livesync run` and `livesync validate` as a user runs them: separate processes, real clusters
 * and JetStream. Includes a SIGKILL of the whole pipeline mid-stream.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { CoreV1Api } from "@kubernetes/client-node";
import { afterAll, describe, expect, inject, it } from "vitest";
import { eventually, kubeConfigFor } from "@livesync/testkit";
import { manifestsFor, uniq } from "@livesync/engine/testing";

const env = inject("testenv");
const main = resolve(import.meta.dirname, "../src/main.ts");
const srcCore = kubeConfigFor(env, "source").makeApiClient(CoreV1Api);
const dstCore = kubeConfigFor(env, "destination").makeApiClient(CoreV1Api);
const children: ChildProcess[] = [];
const namespaces: string[] = [];

afterAll(async () => {
  for (const c of children) c.kill("SIGKILL");
  for (const name of namespaces) {
    for (const core of [srcCore, dstCore])
      await core.deleteNamespace({ name }).catch(() => undefined);
  }
});

function livesync(args: string[]) {
  return spawnSync(process.execPath, ["--import", "tsx", main, ...args], { encoding: "utf8" });
}

function writeManifests(docs: unknown[]): string {
  const dir = mkdtempSync(join(tmpdir(), "livesync-cli-"));
  docs.forEach((d, i) => writeFileSync(join(dir, `${i}.yaml`), JSON.stringify(d)));
  return dir;
}

describe("livesync validate", () => {
  it("rejects the documented invalid excludeRegex with its path and reason", () => {
    const dir = mkdtempSync(join(tmpdir(), "livesync-validate-"));
    writeFileSync(
      join(dir, "ls.yaml"),
      `apiVersion: automation.livesync.dev/v1alpha1
kind: LiveSynchronization
metadata:
  name: livesynchronization-sample
spec:
  plugin: kubernetes-objects-to-kubernetes
  suspend: false
  config:
    sourceName: source
    destinationName: destination
    observability:
      enabled: false
    replication:
      resources:
        - version: v1
          resource: configmaps
          filters:
            nameSelector:
              excludeRegex:
                - "*.test"
`,
    );
    const result = livesync(["validate", "-f", dir]);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(
      'spec.config.replication.resources[0].filters.nameSelector.excludeRegex[0]: "*.test" is not a valid regular expression: nothing to repeat',
    );
  });

  it("accepts a complete, valid set of manifests", () => {
    const m = manifestsFor(env, [
      { name: "ok", resources: [{ version: "v1", resource: "configmaps" }] },
    ]);
    const dir = writeManifests([...m.secrets, ...m.clusters, ...m.liveSyncs]);
    const result = livesync(["validate", "-f", dir]);
    expect(result.stderr).toContain("ok:");
    expect(result.status).toBe(0);
  });
});

describe("livesync run", () => {
  it("loses nothing when killed with SIGKILL mid-stream and started again", async () => {
    const ns = uniq("kill");
    namespaces.push(ns);
    await srcCore.createNamespace({ body: { metadata: { name: ns } } });
    const N = 300;
    for (let i = 0; i < N; i += 25) {
      await Promise.all(
        Array.from({ length: 25 }, (_, j) =>
          srcCore.createNamespacedConfigMap({
            namespace: ns,
            body: { metadata: { name: `cm-${i + j}` }, data: { v: "1", pad: "x".repeat(512) } },
          }),
        ),
      );
    }
    const m = manifestsFor(env, [
      {
        name: uniq("kill"),
        resources: [
          {
            version: "v1",
            resource: "configmaps",
            filters: { nameSelector: { regex: ["cm-.*"] } },
          },
        ],
      },
    ]);
    const dir = writeManifests([...m.secrets, ...m.clusters, ...m.liveSyncs]);
    const stream = uniq("KILL").toUpperCase().replace(/-/g, "_");
    const run = () => {
      const child = spawn(
        process.execPath,
        ["--import", "tsx", main, "run", "-f", dir, "--nats", env.nats.url, "--stream", stream],
        { stdio: "ignore" },
      );
      children.push(child);
      return child;
    };
    const copies = async () =>
      (
        await dstCore.listNamespacedConfigMap({ namespace: ns }).catch(() => ({ items: [] }))
      ).items.filter((c) => c.metadata?.name?.startsWith("cm-"));

    const first = run();
    await eventually(async () => ((await copies()).length >= 20 ? true : undefined), {
      timeoutMs: 60_000,
      what: "the first copies to arrive",
    });
    first.kill("SIGKILL");
    const atKill = (await copies()).length;
    // Changes while nothing runs.
    for (let i = 0; i < 20; i++) {
      await srcCore.patchNamespacedConfigMap({
        name: `cm-${i}`,
        namespace: ns,
        body: [{ op: "replace", path: "/data/v", value: "2" }],
      });
    }
    const second = run();
    const all = await eventually(
      async () => {
        const list = await copies();
        const updated = list.filter(
          (c) => Number(c.metadata?.name?.slice(3)) < 20 && c.data?.v === "2",
        );
        return list.length === N && updated.length === 20 ? list : undefined;
      },
      { timeoutMs: 90_000, what: `all ${N} copies, with the updates made while stopped` },
    );
    second.kill("SIGTERM");
    console.log(`SIGKILL with ${atKill}/${N} copies in the destination`);
    expect(atKill).toBeLessThan(N); // the kill really happened mid-stream
    expect(all.length).toBe(N);
  });
});
