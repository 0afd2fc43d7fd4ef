import { describe, expect, it } from "vitest";
import { sanitize } from "../sanitize.js";
import type { Gvr, KubeObject } from "../types.js";
import { GVR, expectSkip, m } from "./test-fixtures.js";

describe("sanitize: never copied (1.2)", () => {
  it.each<[string, KubeObject, Gvr, RegExp]>([
    [
      "Namespace kube-system",
      { apiVersion: "v1", kind: "Namespace", metadata: m("kube-system") },
      GVR.ns,
      /exists in every cluster/,
    ],
    [
      "Namespace default",
      { apiVersion: "v1", kind: "Namespace", metadata: m("default") },
      GVR.ns,
      /exists in every cluster/,
    ],
    [
      "kube-root-ca.crt",
      { apiVersion: "v1", kind: "ConfigMap", metadata: m("kube-root-ca.crt", "app") },
      GVR.cm,
      /published in every namespace/,
    ],
    [
      "openshift-service-ca.crt",
      { apiVersion: "v1", kind: "ConfigMap", metadata: m("openshift-service-ca.crt", "app") },
      GVR.cm,
      /published in every namespace/,
    ],
    [
      "automanaged APIService",
      {
        apiVersion: "apiregistration.k8s.io/v1",
        kind: "APIService",
        metadata: m("v1.apps", undefined, {
          labels: { "kube-aggregator.kubernetes.io/automanaged": "onstart" },
        }),
      },
      { group: "apiregistration.k8s.io", version: "v1", resource: "apiservices" },
      /registered automatically/,
    ],
    [
      "bootstrapped RBAC",
      {
        apiVersion: "rbac.authorization.k8s.io/v1",
        kind: "ClusterRole",
        metadata: m("admin", undefined, {
          labels: { "kubernetes.io/bootstrapping": "rbac-defaults" },
        }),
      },
      { group: "rbac.authorization.k8s.io", version: "v1", resource: "clusterroles" },
      /bootstrapped/,
    ],
    [
      "system: ClusterRoleBinding",
      {
        apiVersion: "rbac.authorization.k8s.io/v1",
        kind: "ClusterRoleBinding",
        metadata: m("system:coredns"),
      },
      { group: "rbac.authorization.k8s.io", version: "v1", resource: "clusterrolebindings" },
      /system: prefix/,
    ],
    [
      "built-in PriorityClass",
      {
        apiVersion: "scheduling.k8s.io/v1",
        kind: "PriorityClass",
        metadata: m("system-node-critical"),
      },
      { group: "scheduling.k8s.io", version: "v1", resource: "priorityclasses" },
      /built into every cluster/,
    ],
  ])("skips %s", (_name, input, gvr, reason) => {
    expectSkip(input, gvr, reason);
  });

  it.each<[string, KubeObject, Gvr]>([
    [
      "a user Namespace",
      { apiVersion: "v1", kind: "Namespace", metadata: { name: "app" } },
      GVR.ns,
    ],
    [
      "a user ClusterRole",
      {
        apiVersion: "rbac.authorization.k8s.io/v1",
        kind: "ClusterRole",
        metadata: { name: "app-reader" },
      },
      {
        group: "rbac.authorization.k8s.io",
        version: "v1",
        resource: "clusterroles",
      },
    ],
  ])("copies %s", (_name, input, gvr) => {
    expect(sanitize(input, gvr)).toHaveProperty("object");
  });
});
