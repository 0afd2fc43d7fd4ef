import { describe, expect, it } from "vitest";
import { validateObject, type LiveSynchronization, type ReplicatedResource } from "@livesync/api";
import { TASK_LIVE_SYNC_LABEL } from "@livesync/core";
import { taskFor } from "./task.js";

const ls = (resources: ReplicatedResource[], uid: string | null = "1234-uid") =>
  ({
    apiVersion: "automation.livesync.dev/v1alpha1",
    kind: "LiveSynchronization",
    metadata: { name: "livesynchronization-sample", namespace: "dr", ...(uid ? { uid } : {}) },
    spec: {
      plugin: "kubernetes-objects-to-kubernetes",
      config: { sourceName: "source", destinationName: "destination", replication: { resources } },
    },
  }) satisfies LiveSynchronization;

// The documented example (packages/api/src/fixtures/example-livesync-sample.yaml).
const documentedDeployments: ReplicatedResource = {
  group: "apps",
  version: "v1",
  resource: "deployments",
  transformation: { patch: [{ op: "replace", path: "/spec/replicas", value: 0 }] },
  filters: { namespaceSelector: { matchLabels: { "disaster-recovery": "enabled" } } },
  recoveryProcess: { fromPatch: [{ op: "replace", path: "/spec/replicas", value: 1 }] },
};

describe("taskFor", () => {
  it("makes the documented Task: name, namespace, owner, label, plugin, patch operations", () => {
    const task = taskFor(ls([documentedDeployments]));
    expect(task).toEqual({
      apiVersion: "automation.livesync.dev/v1alpha1",
      kind: "Task",
      metadata: {
        name: "livesynchronization-sample",
        namespace: "dr",
        labels: { [TASK_LIVE_SYNC_LABEL]: "livesynchronization-sample" },
        ownerReferences: [
          {
            apiVersion: "automation.livesync.dev/v1alpha1",
            kind: "LiveSynchronization",
            name: "livesynchronization-sample",
            uid: "1234-uid",
            controller: true,
            blockOwnerDeletion: true,
          },
        ],
      },
      spec: {
        plugin: "kubernetes-objects-transformation",
        config: {
          resources: [
            {
              identifier: { group: "apps", version: "v1", resources: "deployments" },
              patch: { operations: [{ op: "replace", path: "/spec/replicas", value: 1 }] },
            },
          ],
        },
      },
    });
    const v = validateObject(task);
    expect(v.ok ? [] : v.errors).toEqual([]);
  });

  it('keeps only entries with a recoveryProcess; core group is ""; fromOriginal when enabled', () => {
    const task = taskFor(
      ls([
        { version: "v1", resource: "configmaps" }, // no recoveryProcess: left out
        {
          version: "v1",
          resource: "secrets",
          recoveryProcess: { fromOriginal: { enabled: true } },
        },
        {
          group: "batch",
          version: "v1",
          resource: "cronjobs",
          recoveryProcess: {
            fromOriginal: { enabled: false },
            fromPatch: [{ op: "replace", path: "/spec/suspend", value: false }],
          },
        },
        {
          group: "apps",
          version: "v1",
          resource: "statefulsets",
          recoveryProcess: {
            fromOriginal: { enabled: true },
            fromPatch: [{ op: "add", path: "/metadata/labels/recovered", value: "yes" }],
          },
        },
      ]),
    );
    expect(task.spec.config.resources).toEqual([
      {
        identifier: { group: "", version: "v1", resources: "secrets" },
        fromOriginal: { enabled: true },
      },
      {
        identifier: { group: "batch", version: "v1", resources: "cronjobs" },
        patch: { operations: [{ op: "replace", path: "/spec/suspend", value: false }] },
      },
      {
        identifier: { group: "apps", version: "v1", resources: "statefulsets" },
        patch: { operations: [{ op: "add", path: "/metadata/labels/recovered", value: "yes" }] },
        fromOriginal: { enabled: true },
      },
    ]);
    const v = validateObject(task);
    expect(v.ok ? [] : v.errors).toEqual([]);
  });

  it("valid with no recoverable resource, and without owner reference when the LS has no uid", () => {
    const task = taskFor(ls([{ version: "v1", resource: "configmaps" }], null));
    expect(task.spec.config.resources).toEqual([]);
    expect(task.metadata.ownerReferences).toBeUndefined();
    expect(validateObject(task).ok).toBe(true);
  });

  it("does not share the operations array with the LiveSynchronization", () => {
    const source = ls([documentedDeployments]);
    const task = taskFor(source);
    task.spec.config.resources[0]!.patch!.operations[0]!.value = 5;
    expect(source.spec.config.replication.resources[0]!.recoveryProcess!.fromPatch![0]!.value).toBe(
      1,
    );
  });
});
