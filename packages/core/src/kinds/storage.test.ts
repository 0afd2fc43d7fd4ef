import { describe, it } from "vitest";
import type { Gvr, KubeObject } from "../types.js";
import { GVR, expectObject, expectSkip, m } from "./test-fixtures.js";

describe("sanitize: never copied (1.2)", () => {
  it.each<[string, KubeObject, Gvr, RegExp]>([
    [
      "Delete-policy PersistentVolume",
      {
        apiVersion: "v1",
        kind: "PersistentVolume",
        metadata: m("pv1"),
        spec: { persistentVolumeReclaimPolicy: "Delete" },
      },
      GVR.pv,
      /reclaim policy Delete/,
    ],
  ])("skips %s", (_name, input, gvr, reason) => {
    expectSkip(input, gvr, reason);
  });
});

describe("sanitize: per-kind rewrites (1.3)", () => {
  it("PersistentVolumeClaim: drops bind annotations and volumeName", () => {
    expectObject(
      {
        apiVersion: "v1",
        kind: "PersistentVolumeClaim",
        metadata: {
          name: "data",
          namespace: "app",
          annotations: {
            "pv.kubernetes.io/bind-completed": "yes",
            "pv.kubernetes.io/bound-by-controller": "yes",
            "volume.kubernetes.io/storage-provisioner": "ebs.csi.aws.com",
            "volume.beta.kubernetes.io/storage-provisioner": "ebs.csi.aws.com",
            "volume.kubernetes.io/selected-node": "node-1",
            team: "db",
          },
          finalizers: ["kubernetes.io/pvc-protection"],
        },
        spec: {
          accessModes: ["ReadWriteOnce"],
          resources: { requests: { storage: "1Gi" } },
          storageClassName: "gp3",
          volumeMode: "Filesystem",
          volumeName: "pvc-0b0c6c4e",
        },
        status: { phase: "Bound" },
      },
      GVR.pvc,
      {
        apiVersion: "v1",
        kind: "PersistentVolumeClaim",
        metadata: { name: "data", namespace: "app", annotations: { team: "db" } },
        spec: {
          accessModes: ["ReadWriteOnce"],
          resources: { requests: { storage: "1Gi" } },
          storageClassName: "gp3",
          volumeMode: "Filesystem",
        },
      },
    );
  });

  it("PersistentVolume: drops claimRef uid/resourceVersion and bind annotations", () => {
    expectObject(
      {
        apiVersion: "v1",
        kind: "PersistentVolume",
        metadata: {
          name: "nfs-1",
          annotations: {
            "pv.kubernetes.io/bind-completed": "yes",
            "pv.kubernetes.io/bound-by-controller": "yes",
            "pv.kubernetes.io/provisioned-by": "nfs",
          },
        },
        spec: {
          persistentVolumeReclaimPolicy: "Retain",
          capacity: { storage: "1Gi" },
          nfs: { server: "nfs.example.com", path: "/exports/1" },
          claimRef: {
            kind: "PersistentVolumeClaim",
            namespace: "app",
            name: "data",
            uid: "u-1",
            resourceVersion: "77",
          },
        },
        status: { phase: "Bound" },
      },
      GVR.pv,
      {
        apiVersion: "v1",
        kind: "PersistentVolume",
        metadata: { name: "nfs-1", annotations: { "pv.kubernetes.io/provisioned-by": "nfs" } },
        spec: {
          persistentVolumeReclaimPolicy: "Retain",
          capacity: { storage: "1Gi" },
          nfs: { server: "nfs.example.com", path: "/exports/1" },
          claimRef: { kind: "PersistentVolumeClaim", namespace: "app", name: "data" },
        },
      },
    );
  });
});
