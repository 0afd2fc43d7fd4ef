/**
 * Hand-made backups for tests: a Backup object and ConfigMaps fed to any BackupWriter, the way
 * the snapshot feeds it. Exported as `@livesync/backup/testing`; production code never uses it.
 */
import type { Backup, KubeObject } from "@livesync/api";
import type { BackupIndexEntry, BackupWriter, StoredArchive } from "./format.js";

export function sampleBackup(name: string, namespace = "livesync-system"): Backup {
  return {
    apiVersion: "backup.livesync.dev/v1alpha1",
    kind: "Backup",
    metadata: { name, namespace },
    spec: { sourceName: "source", bucketName: "archive" },
    status: {
      phase: "Completed",
      startTime: "2026-12-01T10:00:00Z",
      completionTime: "2026-12-01T10:00:05Z",
      itemsTotal: 0,
      itemsBackedUp: 0,
      resourceVersion: "4242",
      atomic: true,
      kubernetesVersion: "v1.35.0",
      warnings: [],
      errors: [],
    },
  };
}

export function configMap(namespace: string, name: string, value = name): KubeObject {
  return {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name, namespace, labels: { app: "sample" } },
    data: { value },
  };
}

export type ItemRef = Omit<BackupIndexEntry, "path" | "sha256">;

export function configMapRef(namespace: string, name: string, rv = 1): ItemRef {
  return {
    group: "",
    version: "v1",
    resource: "configmaps",
    kind: "ConfigMap",
    namespace,
    name,
    uid: `uid-${namespace}-${name}`,
    resourceVersion: String(rv),
  };
}

/** Writes `count` ConfigMaps spread over two namespaces, plus one cluster-scoped Namespace. */
export async function writeSample(
  writer: BackupWriter,
  name: string,
  count = 5,
): Promise<StoredArchive> {
  for (let i = 0; i < count; i++) {
    const ns = `ns-${i % 2}`;
    await writer.add(configMapRef(ns, `cm-${i}`, i + 1), configMap(ns, `cm-${i}`, `v${i}`));
  }
  await writer.add(
    {
      group: "",
      version: "v1",
      resource: "namespaces",
      kind: "Namespace",
      name: "ns-0",
      uid: "uid-ns",
      resourceVersion: "7",
    },
    { apiVersion: "v1", kind: "Namespace", metadata: { name: "ns-0" } },
  );
  const backup = sampleBackup(name);
  backup.status = { ...backup.status, itemsTotal: count + 1, itemsBackedUp: count + 1 };
  return writer.finish(
    {
      format: "ignored",
      backup: name,
      resourceVersion: "4242",
      atomic: true,
      kubernetesVersion: "v1.35.0",
      createdAt: "2026-12-01T10:00:00Z",
    },
    backup,
    { warnings: [{ resource: "secrets", message: "sample warning" }], errors: [] },
  );
}
