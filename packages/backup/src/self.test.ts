import { describe, expect, it } from "vitest";
import type { KubeObject } from "@livesync/api";
import { compileScope, planResources, selects } from "./scope.js";
import { referencedSecrets, selfBackupSpec, SELF_BACKUP_RESOURCES, specToRun } from "./self.js";

const obj = (kind: string, namespace: string, name: string, spec: unknown): KubeObject => ({
  apiVersion: "x/v1",
  kind,
  metadata: { namespace, name },
  spec,
});

const OBJECTS = [
  obj("KubernetesCluster", "ops", "source", { secretName: "source-kubeconfig" }),
  obj("Bucket", "ops", "archive", { secretName: "s3-creds", generic: {} }),
  obj("BackupSchedule", "ops", "nightly", {
    template: { sourceName: "source", encryption: { secretName: "backup-key" } },
  }),
  obj("KubernetesCluster", "team", "dest", { secretName: "dest-kubeconfig" }),
  obj("LiveSynchronization", "ops", "ls", { config: { sourceName: "source" } }),
];

describe("referencedSecrets", () => {
  it("collects the Secrets that clusters, buckets and schedules name, by namespace", () => {
    const refs = referencedSecrets(OBJECTS);
    expect([...refs.get("ops")!].sort()).toEqual(["backup-key", "s3-creds", "source-kubeconfig"]);
    expect([...refs.get("team")!]).toEqual(["dest-kubeconfig"]);
  });
});

describe("selfBackupSpec", () => {
  const secret = (namespace: string, name: string): KubeObject => ({
    apiVersion: "v1",
    kind: "Secret",
    metadata: { namespace, name },
  });
  const labels = (ns: string) => ({ "kubernetes.io/metadata.name": ns });

  it("selects exactly the named Secrets, each in its own namespace", () => {
    const spec = selfBackupSpec(
      { sourceName: "mgmt" },
      SELF_BACKUP_RESOURCES,
      referencedSecrets(OBJECTS),
    );
    expect(spec.includeClusterResources).toBe(false);
    const scope = compileScope(spec);
    const { plan } = planResources(scope, [
      {
        group: "",
        version: "v1",
        resource: "secrets",
        kind: "Secret",
        namespaced: true,
        verbs: ["list"],
      },
    ]);
    const secrets = plan.find((p) => p.info.resource === "secrets")!;
    const kept = (ns: string, name: string) => selects(scope, secrets, secret(ns, name), labels);
    expect(kept("ops", "s3-creds")).toBe(true);
    expect(kept("ops", "backup-key")).toBe(true);
    expect(kept("team", "dest-kubeconfig")).toBe(true);
    expect(kept("team", "s3-creds")).toBe(false);
    expect(kept("ops", "other")).toBe(false);
    expect(kept("ops", "s3-creds-old")).toBe(false);
  });

  it("one namespace: that namespace only, its Namespace kept by the scope", () => {
    const spec = selfBackupSpec(
      { sourceName: "mgmt", namespace: "ops" },
      SELF_BACKUP_RESOURCES,
      referencedSecrets(OBJECTS),
    );
    expect(spec.includedNamespaces).toEqual(["ops"]);
    expect(spec.resources!.filter((r) => r.resource === "secrets")).toHaveLength(1);
    expect(spec.resources!.slice(0, 5).map((r) => r.resource)).toEqual([
      "livesynchronizations",
      "kubernetesclusters",
      "buckets",
      "tasks",
      "backupschedules",
    ]);
  });
});

describe("specToRun", () => {
  const spec = { sourceName: "mgmt", includedNamespaces: ["ops"] };
  const noCluster = {} as Parameters<typeof specToRun>[2];
  it("keeps the spec of a Backup without a preset", async () => {
    expect(await specToRun(undefined, spec, noCluster)).toBe(spec);
    expect(await specToRun({ other: "x" }, spec, noCluster)).toBe(spec);
  });
  it("refuses an unknown preset, naming the annotation", async () => {
    await expect(
      specToRun({ "backup.livesync.dev/preset": "everything" }, spec, noCluster),
    ).rejects.toThrow(
      'annotation backup.livesync.dev/preset: unknown preset "everything" (known: self)',
    );
  });
});
