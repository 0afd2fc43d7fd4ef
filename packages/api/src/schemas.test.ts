import { describe, expect, it } from "vitest";
import { KINDS, type Schema } from "./schemas.js";

describe("schemas are CRD-ready (structural, apiextensions.k8s.io/v1)", () => {
  const nodes: [string, Schema][] = [];
  const collect = (s: Schema, path: string) => {
    nodes.push([path, s]);
    for (const [k, p] of Object.entries(s.properties ?? {})) collect(p, `${path}.${k}`);
    if (s.items) collect(s.items, `${path}[]`);
    if (s.additionalProperties) collect(s.additionalProperties, `${path}{}`);
  };
  for (const [name, k] of Object.entries(KINDS)) {
    collect(k.specSchema, `${name}.spec`);
    collect(k.statusSchema, `${name}.status`);
  }

  it("every node has a type unless it preserves unknown fields", () => {
    const untyped = nodes.filter(([, s]) => !s.type && !s["x-kubernetes-preserve-unknown-fields"]);
    expect(untyped.map(([p]) => p)).toEqual([]);
    const preserving = nodes.filter(([, s]) => s["x-kubernetes-preserve-unknown-fields"]);
    expect(preserving.map(([p]) => p).sort()).toEqual([
      "LiveSynchronization.spec.config.replication.resources[].recoveryProcess.fromPatch[].value",
      "LiveSynchronization.spec.config.replication.resources[].transformation.patch[].value",
      "Task.spec.config.resources[].patch.operations[].value",
    ]);
  });

  it("no node mixes properties with additionalProperties, and arrays have items", () => {
    expect(nodes.filter(([, s]) => s.properties && s.additionalProperties)).toEqual([]);
    expect(nodes.filter(([, s]) => s.type === "array" && !s.items)).toEqual([]);
  });

  it("every required field is a declared property", () => {
    const bad = nodes.flatMap(([p, s]) =>
      (s.required ?? []).filter((r) => !s.properties?.[r]).map((r) => `${p}.${r}`),
    );
    expect(bad).toEqual([]);
  });

  it("serialises to JSON and back unchanged (no functions, no undefined)", () => {
    for (const k of Object.values(KINDS)) {
      expect(JSON.parse(JSON.stringify(k.specSchema))).toEqual(k.specSchema);
      expect(JSON.parse(JSON.stringify(k.statusSchema))).toEqual(k.statusSchema);
    }
  });

  it("registers the eight kinds with their groups and names", () => {
    expect(
      Object.values(KINDS).map(
        (k) => `${k.kind} ${k.group}/${k.version} ${k.plural} ${k.singular}`,
      ),
    ).toEqual([
      "LiveSynchronization automation.livesync.dev/v1alpha1 livesynchronizations livesynchronization",
      "Task automation.livesync.dev/v1alpha1 tasks task",
      "TaskRun automation.livesync.dev/v1alpha1 taskruns taskrun",
      "KubernetesCluster assets.livesync.dev/v1alpha1 kubernetesclusters kubernetescluster",
      "Bucket assets.livesync.dev/v1alpha1 buckets bucket",
      "Backup backup.livesync.dev/v1alpha1 backups backup",
      "BackupSchedule backup.livesync.dev/v1alpha1 backupschedules backupschedule",
      "Restore backup.livesync.dev/v1alpha1 restores restore",
    ]);
  });
});
