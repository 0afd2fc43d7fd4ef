import { describe, expect, it } from "vitest";
import { sanitize } from "../sanitize.js";
import type { Gvr, KubeObject } from "../types.js";
import { GVR, expectObject, expectSkip, m } from "./test-fixtures.js";

describe("sanitize: never copied (1.2)", () => {
  it.each<[string, KubeObject, Gvr, RegExp]>([
    [
      "Succeeded pod",
      { apiVersion: "v1", kind: "Pod", metadata: m("p", "app"), status: { phase: "Succeeded" } },
      GVR.pod,
      /completed \(phase Succeeded\)/,
    ],
    [
      "Failed pod",
      { apiVersion: "v1", kind: "Pod", metadata: m("p", "app"), status: { phase: "Failed" } },
      GVR.pod,
      /completed \(phase Failed\)/,
    ],
    [
      "mirror pod",
      {
        apiVersion: "v1",
        kind: "Pod",
        metadata: m("p", "app", { annotations: { "kubernetes.io/config.mirror": "abc" } }),
      },
      GVR.pod,
      /mirror pod/,
    ],
    [
      "finished Job (completionTime)",
      {
        apiVersion: "batch/v1",
        kind: "Job",
        metadata: m("j", "app"),
        status: { completionTime: "2024-01-01T00:00:00Z" },
      },
      GVR.job,
      /job finished/,
    ],
    [
      "failed Job (condition)",
      {
        apiVersion: "batch/v1",
        kind: "Job",
        metadata: m("j", "app"),
        status: { conditions: [{ type: "Failed", status: "True" }] },
      },
      GVR.job,
      /job finished/,
    ],
  ])("skips %s", (_name, input, gvr, reason) => {
    expectSkip(input, gvr, reason);
  });

  it.each<[string, KubeObject, Gvr]>([
    [
      "a running Pod",
      {
        apiVersion: "v1",
        kind: "Pod",
        metadata: { name: "p", namespace: "app" },
        status: { phase: "Running" },
      },
      GVR.pod,
    ],
  ])("copies %s", (_name, input, gvr) => {
    expect(sanitize(input, gvr)).toHaveProperty("object");
  });
});

describe("sanitize: per-kind rewrites (1.3)", () => {
  it("Pod: drops nodeName, priority and service-account token volumes and mounts", () => {
    expectObject(
      {
        apiVersion: "v1",
        kind: "Pod",
        metadata: { name: "bare", namespace: "app" },
        spec: {
          nodeName: "node-1",
          priority: 1000,
          priorityClassName: "high",
          serviceAccountName: "builder",
          initContainers: [
            {
              name: "init",
              image: "busybox",
              volumeMounts: [
                {
                  name: "kube-api-access-abcde",
                  mountPath: "/var/run/secrets/kubernetes.io/serviceaccount",
                },
              ],
            },
          ],
          containers: [
            {
              name: "main",
              image: "nginx",
              volumeMounts: [
                { name: "data", mountPath: "/data" },
                { name: "builder-token-x7k2p", mountPath: "/legacy" },
                {
                  name: "kube-api-access-abcde",
                  mountPath: "/var/run/secrets/kubernetes.io/serviceaccount",
                },
              ],
            },
          ],
          volumes: [
            { name: "data", persistentVolumeClaim: { claimName: "data" } },
            { name: "builder-token-x7k2p", secret: { secretName: "builder-token-x7k2p" } },
            {
              name: "kube-api-access-abcde",
              projected: { sources: [{ serviceAccountToken: { path: "token" } }] },
            },
            { name: "kube-api-access-mine", configMap: { name: "not-projected" } },
          ],
        },
        status: { phase: "Running", podIP: "10.0.0.5" },
      },
      GVR.pod,
      {
        apiVersion: "v1",
        kind: "Pod",
        metadata: { name: "bare", namespace: "app" },
        spec: {
          priorityClassName: "high",
          serviceAccountName: "builder",
          initContainers: [{ name: "init", image: "busybox", volumeMounts: [] }],
          containers: [
            { name: "main", image: "nginx", volumeMounts: [{ name: "data", mountPath: "/data" }] },
          ],
          volumes: [
            { name: "data", persistentVolumeClaim: { claimName: "data" } },
            { name: "kube-api-access-mine", configMap: { name: "not-projected" } },
          ],
        },
      },
    );
  });

  it("Pod: the token prefix follows the pod's ServiceAccount (default when unset)", () => {
    const out = sanitize(
      {
        apiVersion: "v1",
        kind: "Pod",
        metadata: { name: "p", namespace: "app" },
        spec: {
          containers: [
            {
              name: "c",
              volumeMounts: [
                { name: "default-token-1", mountPath: "/a" },
                { name: "other-token-1", mountPath: "/b" },
              ],
            },
          ],
          volumes: [
            { name: "default-token-1", secret: { secretName: "default-token-1" } },
            { name: "other-token-1", secret: { secretName: "other-token-1" } },
          ],
        },
      },
      GVR.pod,
    );
    expect(out).toEqual({
      object: {
        apiVersion: "v1",
        kind: "Pod",
        metadata: { name: "p", namespace: "app" },
        spec: {
          containers: [{ name: "c", volumeMounts: [{ name: "other-token-1", mountPath: "/b" }] }],
          volumes: [{ name: "other-token-1", secret: { secretName: "other-token-1" } }],
        },
      },
    });
  });

  const jobInput = (manualSelector?: boolean): KubeObject => ({
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: {
      name: "migrate",
      namespace: "app",
      labels: {
        app: "migrate",
        "controller-uid": "u-1",
        "batch.kubernetes.io/controller-uid": "u-1",
      },
    },
    spec: {
      ...(manualSelector !== undefined ? { manualSelector } : {}),
      ttlSecondsAfterFinished: 100,
      backoffLimit: 2,
      selector: {
        matchLabels: {
          app: "migrate",
          "controller-uid": "u-1",
          "batch.kubernetes.io/controller-uid": "u-1",
        },
      },
      template: {
        metadata: {
          labels: {
            app: "migrate",
            "controller-uid": "u-1",
            "batch.kubernetes.io/controller-uid": "u-1",
            "job-name": "migrate",
            "batch.kubernetes.io/job-name": "migrate",
          },
        },
        spec: { restartPolicy: "Never", containers: [{ name: "m", image: "migrate" }] },
      },
    },
    status: { active: 1, startTime: "2024-01-01T00:00:00Z" },
  });

  it("Job: drops generated selector, controller-uid/job-name template labels and TTL", () => {
    expectObject(jobInput(), GVR.job, {
      apiVersion: "batch/v1",
      kind: "Job",
      metadata: {
        name: "migrate",
        namespace: "app",
        labels: {
          app: "migrate",
          "controller-uid": "u-1",
          "batch.kubernetes.io/controller-uid": "u-1",
        },
      },
      spec: {
        backoffLimit: 2,
        template: {
          metadata: { labels: { app: "migrate" } },
          spec: { restartPolicy: "Never", containers: [{ name: "m", image: "migrate" }] },
        },
      },
    });
  });

  it("Job with manualSelector: keeps selector and job-name labels, drops controller-uid", () => {
    expectObject(jobInput(true), GVR.job, {
      apiVersion: "batch/v1",
      kind: "Job",
      metadata: {
        name: "migrate",
        namespace: "app",
        labels: {
          app: "migrate",
          "controller-uid": "u-1",
          "batch.kubernetes.io/controller-uid": "u-1",
        },
      },
      spec: {
        manualSelector: true,
        backoffLimit: 2,
        selector: { matchLabels: { app: "migrate" } },
        template: {
          metadata: {
            labels: {
              app: "migrate",
              "job-name": "migrate",
              "batch.kubernetes.io/job-name": "migrate",
            },
          },
          spec: { restartPolicy: "Never", containers: [{ name: "m", image: "migrate" }] },
        },
      },
    });
  });
});
