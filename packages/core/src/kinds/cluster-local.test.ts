import { describe, it } from "vitest";
import type { Gvr, KubeObject } from "../types.js";
import { core, expectSkip, m } from "./test-fixtures.js";

describe("sanitize: never copied (1.2)", () => {
  it.each<[string, KubeObject, Gvr, RegExp]>([
    [
      "core Event",
      { apiVersion: "v1", kind: "Event", metadata: m("e", "app") },
      core("events"),
      /Event objects are cluster-local/,
    ],
    [
      "events.k8s.io Event",
      { apiVersion: "events.k8s.io/v1", kind: "Event", metadata: m("e", "app") },
      { group: "events.k8s.io", version: "v1", resource: "events" },
      /cluster-local/,
    ],
    ["Node", { apiVersion: "v1", kind: "Node", metadata: m("n1") }, core("nodes"), /Node objects/],
    [
      "Lease",
      { apiVersion: "coordination.k8s.io/v1", kind: "Lease", metadata: m("l", "app") },
      { group: "coordination.k8s.io", version: "v1", resource: "leases" },
      /Lease objects/,
    ],
    [
      "ControllerRevision",
      { apiVersion: "apps/v1", kind: "ControllerRevision", metadata: m("r", "app") },
      { group: "apps", version: "v1", resource: "controllerrevisions" },
      /ControllerRevision/,
    ],
    [
      "CSINode",
      { apiVersion: "storage.k8s.io/v1", kind: "CSINode", metadata: m("n1") },
      { group: "storage.k8s.io", version: "v1", resource: "csinodes" },
      /CSINode/,
    ],
    [
      "VolumeAttachment",
      { apiVersion: "storage.k8s.io/v1", kind: "VolumeAttachment", metadata: m("va") },
      { group: "storage.k8s.io", version: "v1", resource: "volumeattachments" },
      /VolumeAttachment/,
    ],
    [
      "ComponentStatus",
      { apiVersion: "v1", kind: "ComponentStatus", metadata: m("etcd-0") },
      core("componentstatuses"),
      /ComponentStatus/,
    ],
    [
      "metrics",
      { apiVersion: "metrics.k8s.io/v1beta1", kind: "PodMetrics", metadata: m("p", "app") },
      { group: "metrics.k8s.io", version: "v1beta1", resource: "pods" },
      /metrics.k8s.io resources are never replicated/,
    ],
    [
      "an Event even when listed under a wrong GVR",
      { apiVersion: "v1", kind: "Event", metadata: m("e", "app") },
      core("configmaps"),
      /cluster-local/,
    ],
  ])("skips %s", (_name, input, gvr, reason) => {
    expectSkip(input, gvr, reason);
  });
});
