/**
 * What a backup holds: the default resource set minus the never-restored resources, namespace
 * and label scope, resources[] filters, cluster-scoped objects, and objects sanitised as the
 * archiver keeps originals, with the source's uid and resourceVersion in the index.
 */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { BackupSpec } from "@livesync/api";
import type { Cluster } from "@livesync/kube";
import { eventually } from "@livesync/testkit";
import { runBackup } from "../src/index.js";
import { MemoryWriter } from "./memory-writer.js";
import { Namespaces, readOnlySource, sourceFor } from "./fixtures.js";

const env = inject("testenv");
const src = sourceFor(env);
const namespaces = new Namespaces(env);
const role = `bk-scope-${randomBytes(3).toString("hex")}`;
let nsA = "";
let nsB = "";
let source: Cluster;

beforeAll(async () => {
  source = await readOnlySource(env);
  nsA = await namespaces.create("bk-scope-a", { team: "a" });
  nsB = await namespaces.create("bk-scope-b", { team: "b" });
  const cm = (namespace: string, name: string, labels: Record<string, string> = {}) =>
    src.core.createNamespacedConfigMap({
      namespace,
      body: { metadata: { name, labels }, data: { name } },
    });
  await cm(nsA, "app-config", { app: "web" });
  await cm(nsA, "other");
  await cm(nsB, "b-config", { app: "web" });
  await src.core.createNamespacedSecret({
    namespace: nsA,
    body: { metadata: { name: "creds" }, stringData: { password: "s3cret" } },
  });
  await src.apps.createNamespacedDeployment({
    namespace: nsA,
    body: {
      metadata: { name: "web", labels: { app: "web" } },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: "web" } },
        template: {
          metadata: { labels: { app: "web" } },
          spec: { containers: [{ name: "app", image: "nginx:1.27" }] },
        },
      },
    },
  });
  await src.rbac.createClusterRole({
    body: { metadata: { name: role, labels: { app: "web" } }, rules: [] },
  });
  // The Deployment's ReplicaSet (owned by it) exists before the backups run.
  await eventually(
    async () =>
      (await src.apps.listNamespacedReplicaSet({ namespace: nsA })).items.length > 0 || undefined,
    { what: "the Deployment's ReplicaSet" },
  );
}, 60_000);

afterAll(async () => {
  source?.close();
  await src.rbac.deleteClusterRole({ name: role }).catch(() => undefined);
  await namespaces.removeAll();
});

async function backup(spec: Omit<BackupSpec, "sourceName">) {
  const writer = new MemoryWriter();
  const status = await runBackup({
    name: "scope",
    namespace: "livesync-system",
    spec: { sourceName: "source", ...spec },
    source,
    writer,
  });
  const names = (resource: string, namespace?: string) =>
    writer.items
      .filter((i) => i.entry.resource === resource && i.entry.namespace === namespace)
      .map((i) => i.entry.name)
      .sort();
  return { status, writer, names };
}

describe("backup scope", () => {
  it("includedNamespaces: that namespace's objects and its Namespace, nothing cluster-scoped, never-restored resources left out", async () => {
    const { status, writer, names } = await backup({ includedNamespaces: [nsA] });
    expect(status.phase).toBe("Completed");
    expect(status.errors).toEqual([]);
    expect(names("configmaps", nsA)).toEqual(["app-config", "other"]);
    expect(names("secrets", nsA)).toEqual(["creds"]);
    expect(names("deployments", nsA)).toEqual(["web"]);
    expect(names("namespaces")).toEqual([nsA]);
    // Owned by the Deployment: its controller recreates it; counted in a warning, not an error.
    expect(names("replicasets", nsA)).toEqual([]);
    expect(status.resources!.find((r) => r.resource === "replicasets")?.skipped).toBe(1);
    expect(writer.items.every((i) => !i.entry.namespace || i.entry.namespace === nsA)).toBe(true);
    expect(writer.items.filter((i) => !i.entry.namespace).map((i) => i.entry.resource)).toEqual([
      "namespaces",
    ]);
    const resources = status.resources!.map((r) => r.resource);
    for (const never of ["events", "endpoints", "endpointslices", "leases", "nodes"]) {
      expect(resources).not.toContain(never);
    }
    expect(status.itemsBackedUp).toBe(writer.items.length);
    expect(status.itemsTotal).toBe(writer.items.length);
    expect(writer.finished?.index.resourceVersion).toBe(status.resourceVersion);
  });

  it("objects are sanitised as the archiver keeps them; the index keeps the source uid and resourceVersion", async () => {
    const { status, writer } = await backup({ includedNamespaces: [nsA] });
    const live = await src.core.readNamespacedConfigMap({ namespace: nsA, name: "app-config" });
    const item = writer.items.find(
      (i) => i.entry.resource === "configmaps" && i.entry.name === "app-config",
    )!;
    expect(item.entry.uid).toBe(live.metadata!.uid);
    expect(item.entry.resourceVersion).toBe(live.metadata!.resourceVersion);
    expect(item.object).toEqual({
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "app-config", namespace: nsA, labels: { app: "web" } },
      data: { name: "app-config" },
    });
    // Secrets are stored as the API returns them (base64 data), unless the backup is encrypted.
    expect(writer.find("secrets", nsA, "creds")?.data).toEqual({
      password: Buffer.from("s3cret").toString("base64"),
    });
    // Published by the cluster in every namespace: never kept.
    expect(writer.find("configmaps", nsA, "kube-root-ca.crt")).toBeUndefined();
    expect(Number(status.resourceVersion)).toBeGreaterThan(0);
    expect(status.kubernetesVersion).toMatch(/^v1\.\d+/);
  });

  it("excludedNamespaces, a label selector and cluster-scoped objects", async () => {
    const { status, names } = await backup({
      excludedNamespaces: [nsB],
      labelSelector: { matchLabels: { app: "web" } },
    });
    expect(status.phase).toBe("Completed");
    expect(names("configmaps", nsA)).toEqual(["app-config"]);
    expect(names("configmaps", nsB)).toEqual([]);
    expect(names("deployments", nsA)).toEqual(["web"]);
    // includeClusterResources defaults to true without includedNamespaces.
    expect(names("clusterroles")).toContain(role);
    expect(names("namespaces")).not.toContain(nsB);
  });

  it("includeClusterResources with includedNamespaces; false leaves them out", async () => {
    const withCluster = await backup({ includedNamespaces: [nsB], includeClusterResources: true });
    expect(withCluster.names("clusterroles")).toContain(role);
    const without = await backup({ includedNamespaces: [nsB] });
    expect(without.names("clusterroles")).toEqual([]);
    expect(without.names("namespaces")).toEqual([nsB]);
  });

  it("resources[] with the LiveSynchronization filter shape", async () => {
    const { status, names, writer } = await backup({
      includedNamespaces: [nsA, nsB],
      resources: [
        {
          version: "v1",
          resource: "configmaps",
          filters: {
            nameSelector: { regex: [".*-config"] },
            namespaceSelector: { matchLabels: { team: "a" } },
          },
        },
      ],
    });
    expect(status.phase).toBe("Completed");
    expect(names("configmaps", nsA)).toEqual(["app-config"]);
    expect(names("configmaps", nsB)).toEqual([]);
    expect(new Set(writer.items.map((i) => i.entry.resource))).toEqual(
      new Set(["configmaps", "namespaces"]),
    );
    expect(status.resources!.find((r) => r.resource === "configmaps")?.items).toBe(1);
  });

  it("an unknown resource is an error naming it (PartiallyFailed); an invalid filter fails and leaves nothing", async () => {
    const partly = await backup({
      includedNamespaces: [nsA],
      resources: [
        { version: "v1", resource: "configmaps" },
        { group: "example.com", version: "v1", resource: "widgets" },
      ],
    });
    expect(partly.status.phase).toBe("PartiallyFailed");
    expect(partly.status.errors).toEqual([
      expect.objectContaining({ group: "example.com", resource: "widgets" }),
    ]);
    expect(partly.names("configmaps", nsA)).toEqual(["app-config", "other"]);

    const bad = await backup({
      resources: [
        { version: "v1", resource: "configmaps", filters: { nameSelector: { regex: ["("] } } },
      ],
    });
    expect(bad.status.phase).toBe("Failed");
    expect(bad.status.errors![0]!.message).toContain("nameSelector.regex[0]");
    expect(bad.writer.aborted).toBe(true);
    expect(bad.writer.finished).toBeUndefined();
  });

  it("a writer that fails fails the backup: Failed, the writer aborted, its message in errors", async () => {
    const writer = new MemoryWriter();
    writer.beforeAdd = (n) => {
      if (n === 3) throw new Error("disk full");
    };
    const status = await runBackup({
      name: "broken",
      spec: { sourceName: "source", includedNamespaces: [nsA] },
      source,
      writer,
    });
    expect(status.phase).toBe("Failed");
    expect(status.errors).toEqual([{ message: "disk full" }]);
    expect(status.itemsBackedUp).toBe(0);
    expect(writer.aborted).toBe(true);
    expect(writer.finished).toBeUndefined();
  });
});
