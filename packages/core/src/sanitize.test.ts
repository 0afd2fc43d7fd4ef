import { describe, expect, it } from "vitest";
import { sanitize } from "./sanitize.js";
import type { Gvr, KubeObject } from "./types.js";
import { GVR, expectObject, expectSkip, m, serverMeta } from "./kinds/test-fixtures.js";

describe("sanitize: never copied (1.2)", () => {
  it.each<[string, KubeObject, Gvr, RegExp]>([
    [
      "kube-system object",
      { apiVersion: "v1", kind: "ConfigMap", metadata: m("c", "kube-system") },
      GVR.cm,
      /namespace kube-system/,
    ],
    [
      "kube-public object",
      { apiVersion: "v1", kind: "ConfigMap", metadata: m("c", "kube-public") },
      GVR.cm,
      /namespace kube-public/,
    ],
    [
      "kube-node-lease object",
      { apiVersion: "v1", kind: "ConfigMap", metadata: m("c", "kube-node-lease") },
      GVR.cm,
      /namespace kube-node-lease/,
    ],
    [
      "terminating object",
      {
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: m("c", "app", { deletionTimestamp: "2024-01-01T00:00:00Z" }),
      },
      GVR.cm,
      /being deleted in the source/,
    ],
    [
      "owned object (controller ref)",
      {
        apiVersion: "apps/v1",
        kind: "ReplicaSet",
        metadata: m("web-5d8", "app", {
          ownerReferences: [
            { apiVersion: "v1", kind: "Other", name: "o", uid: "1" },
            { apiVersion: "apps/v1", kind: "Deployment", name: "web", uid: "2", controller: true },
          ],
        }),
      },
      { group: "apps", version: "v1", resource: "replicasets" },
      /^owned by Deployment\/web; the destination's controller recreates it$/,
    ],
    [
      "a livesync copy (loop prevention)",
      {
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: m("c", "app", {
          annotations: { "livesync.dev/live-synchronization": "dr/main" },
        }),
      },
      GVR.cm,
      /already a livesync copy/,
    ],
    [
      "object without a name",
      { apiVersion: "v1", kind: "ConfigMap", metadata: m("", "app") },
      GVR.cm,
      /no metadata.name/,
    ],
  ])("skips %s", (_name, input, gvr, reason) => {
    expectSkip(input, gvr, reason);
  });
});

describe("sanitize: per-kind rewrites (1.3)", () => {
  it("a custom resource only loses metadata and status", () => {
    expectObject(
      {
        apiVersion: "example.com/v1",
        kind: "Widget",
        metadata: { name: "w", namespace: "app", ...serverMeta },
        spec: { clusterIP: "1.2.3.4", nodeName: "n" },
        status: { ready: true },
      },
      { group: "example.com", version: "v1", resource: "widgets" },
      {
        apiVersion: "example.com/v1",
        kind: "Widget",
        metadata: { name: "w", namespace: "app" },
        spec: { clusterIP: "1.2.3.4", nodeName: "n" },
      },
    );
  });

  it("output shares no structure with the input", () => {
    const input: KubeObject = {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "x", namespace: "app", labels: { a: "1" } },
      data: { k: "v" },
    };
    const out = sanitize(input, GVR.cm);
    if (!("object" in out)) throw new Error("skipped");
    (out.object.data as Record<string, string>).k = "changed";
    out.object.metadata.labels!.a = "changed";
    expect(input.data).toEqual({ k: "v" });
    expect(input.metadata.labels).toEqual({ a: "1" });
  });
});
