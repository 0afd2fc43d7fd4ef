import { describe, expect, it } from "vitest";
import { sanitize } from "../sanitize.js";
import type { Gvr, KubeObject } from "../types.js";
import { GVR, expectObject, expectSkip, m, serverMeta } from "./test-fixtures.js";

describe("sanitize: never copied (1.2)", () => {
  it.each<[string, KubeObject, Gvr, RegExp]>([
    [
      "Service default/kubernetes",
      { apiVersion: "v1", kind: "Service", metadata: m("kubernetes", "default") },
      GVR.svc,
      /API server/,
    ],
    [
      "Endpoints default/kubernetes",
      { apiVersion: "v1", kind: "Endpoints", metadata: m("kubernetes", "default") },
      GVR.ep,
      /API server/,
    ],
    [
      "Endpoints with pod targetRefs",
      {
        apiVersion: "v1",
        kind: "Endpoints",
        metadata: m("web", "app"),
        subsets: [{ addresses: [{ ip: "10.0.0.1", targetRef: { kind: "Pod", name: "web-1" } }] }],
      },
      GVR.ep,
      /endpoints controller/,
    ],
    [
      "Endpoints with not-ready pod targetRefs",
      {
        apiVersion: "v1",
        kind: "Endpoints",
        metadata: m("web", "app"),
        subsets: [
          { notReadyAddresses: [{ ip: "10.0.0.1", targetRef: { kind: "Pod", name: "web-1" } }] },
        ],
      },
      GVR.ep,
      /endpoints controller/,
    ],
    [
      "Endpoints marked skip-mirror by the endpoints controller (no pods yet)",
      {
        apiVersion: "v1",
        kind: "Endpoints",
        metadata: m("web", "app", {
          labels: { "endpointslice.kubernetes.io/skip-mirror": "true" },
        }),
      },
      GVR.ep,
      /endpoints controller/,
    ],
    [
      "EndpointSlice of the endpointslice controller",
      {
        apiVersion: "discovery.k8s.io/v1",
        kind: "EndpointSlice",
        metadata: m("web-abc", "app", {
          labels: { "endpointslice.kubernetes.io/managed-by": "endpointslice-controller.k8s.io" },
        }),
      },
      { group: "discovery.k8s.io", version: "v1", resource: "endpointslices" },
      /managed by endpointslice-controller/,
    ],
    [
      "EndpointSlice of the mirroring controller",
      {
        apiVersion: "discovery.k8s.io/v1",
        kind: "EndpointSlice",
        metadata: m("web-abc", "app", {
          labels: {
            "endpointslice.kubernetes.io/managed-by": "endpointslicemirroring-controller.k8s.io",
          },
        }),
      },
      { group: "discovery.k8s.io", version: "v1", resource: "endpointslices" },
      /managed by endpointslicemirroring-controller/,
    ],
  ])("skips %s", (_name, input, gvr, reason) => {
    expectSkip(input, gvr, reason);
  });

  it.each<[string, KubeObject, Gvr]>([
    [
      "a hand-made Endpoints (Service without selector)",
      {
        apiVersion: "v1",
        kind: "Endpoints",
        metadata: { name: "external-db", namespace: "app" },
        subsets: [{ addresses: [{ ip: "192.0.2.10" }], ports: [{ port: 5432 }] }],
      },
      GVR.ep,
    ],
    [
      "a user EndpointSlice",
      {
        apiVersion: "discovery.k8s.io/v1",
        kind: "EndpointSlice",
        metadata: {
          name: "ext",
          namespace: "app",
          labels: { "endpointslice.kubernetes.io/managed-by": "me" },
        },
      },
      { group: "discovery.k8s.io", version: "v1", resource: "endpointslices" },
    ],
    [
      "a Service named kubernetes elsewhere",
      { apiVersion: "v1", kind: "Service", metadata: { name: "kubernetes", namespace: "app" } },
      GVR.svc,
    ],
  ])("copies %s", (_name, input, gvr) => {
    expect(sanitize(input, gvr)).toHaveProperty("object");
  });
});

describe("sanitize: per-kind rewrites (1.3)", () => {
  it("Service: clears cluster IPs and node ports, keeps loadBalancerIP", () => {
    expectObject(
      {
        apiVersion: "v1",
        kind: "Service",
        metadata: { name: "web", namespace: "app", ...serverMeta },
        spec: {
          type: "LoadBalancer",
          clusterIP: "10.96.0.10",
          clusterIPs: ["10.96.0.10"],
          loadBalancerIP: "203.0.113.7",
          externalTrafficPolicy: "Local",
          healthCheckNodePort: 32000,
          selector: { app: "web" },
          ports: [
            { name: "http", port: 80, targetPort: 8080, nodePort: 30080, protocol: "TCP" },
            { name: "https", port: 443, targetPort: 8443, nodePort: 30443, protocol: "TCP" },
          ],
        },
        status: { loadBalancer: { ingress: [{ ip: "203.0.113.7" }] } },
      },
      GVR.svc,
      {
        apiVersion: "v1",
        kind: "Service",
        metadata: { name: "web", namespace: "app" },
        spec: {
          type: "LoadBalancer",
          loadBalancerIP: "203.0.113.7",
          externalTrafficPolicy: "Local",
          selector: { app: "web" },
          ports: [
            { name: "http", port: 80, targetPort: 8080, protocol: "TCP" },
            { name: "https", port: 443, targetPort: 8443, protocol: "TCP" },
          ],
        },
      },
    );
  });

  it("Service: headless keeps clusterIP None", () => {
    expectObject(
      {
        apiVersion: "v1",
        kind: "Service",
        metadata: { name: "db", namespace: "app" },
        spec: { clusterIP: "None", clusterIPs: ["None"], ports: [{ port: 5432 }] },
      },
      GVR.svc,
      {
        apiVersion: "v1",
        kind: "Service",
        metadata: { name: "db", namespace: "app" },
        spec: { clusterIP: "None", clusterIPs: ["None"], ports: [{ port: 5432 }] },
      },
    );
  });
});
