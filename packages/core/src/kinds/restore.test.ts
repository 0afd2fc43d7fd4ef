import { describe, expect, it } from "vitest";
import { restorableCopy, restoreSkipReason } from "../restorable.js";
import type { Gvr, KubeObject } from "../types.js";
import { GVR, m, serverMeta } from "./test-fixtures.js";

const owner = (kind: string, name: string) => ({
  apiVersion: "apps/v1",
  kind,
  name,
  uid: "u-1",
  controller: true,
});

describe("restore rules: what a restore leaves to the destination", () => {
  it.each<[string, KubeObject, Gvr, RegExp]>([
    [
      "a Pod of a ReplicaSet",
      {
        apiVersion: "v1",
        kind: "Pod",
        metadata: m("web-abc", "app", { ownerReferences: [owner("ReplicaSet", "web-1")] }),
      },
      GVR.pod,
      /ReplicaSet\/web-1, which recreates it/,
    ],
    [
      "a ReplicaSet of a Deployment",
      {
        apiVersion: "apps/v1",
        kind: "ReplicaSet",
        metadata: m("web-1", "app", { ownerReferences: [owner("Deployment", "web")] }),
      },
      { group: "apps", version: "v1", resource: "replicasets" },
      /Deployment\/web/,
    ],
    [
      "a Job of a CronJob",
      {
        apiVersion: "batch/v1",
        kind: "Job",
        metadata: m("nightly-1", "app", { ownerReferences: [owner("CronJob", "nightly")] }),
      },
      GVR.job,
      /CronJob\/nightly/,
    ],
    [
      "a ControllerRevision",
      { apiVersion: "apps/v1", kind: "ControllerRevision", metadata: m("db-7f", "app") },
      { group: "apps", version: "v1", resource: "controllerrevisions" },
      /ControllerRevision/,
    ],
    [
      "a hand-made EndpointSlice",
      { apiVersion: "discovery.k8s.io/v1", kind: "EndpointSlice", metadata: m("ext", "app") },
      { group: "discovery.k8s.io", version: "v1", resource: "endpointslices" },
      /endpoint controllers/,
    ],
    [
      "a ServiceAccount token Secret, whatever its name",
      {
        apiVersion: "v1",
        kind: "Secret",
        type: "kubernetes.io/service-account-token",
        metadata: m("my-token", "app"),
      },
      GVR.secret,
      /token controller/,
    ],
    [
      "an Event (never restored)",
      { apiVersion: "v1", kind: "Event", metadata: m("e.1", "app") },
      { group: "", version: "v1", resource: "events" },
      /cluster-local/,
    ],
    [
      "the namespace kube-system",
      { apiVersion: "v1", kind: "Namespace", metadata: m("kube-system") },
      GVR.ns,
      /every cluster/,
    ],
  ])("skips %s", (_, obj, gvr, reason) => {
    expect(restoreSkipReason(obj, gvr)).toMatch(reason);
  });

  it("restores a Secret, a bare Pod and a Job of no CronJob", () => {
    const secret = { apiVersion: "v1", kind: "Secret", type: "Opaque", metadata: m("s", "app") };
    const pod = { apiVersion: "v1", kind: "Pod", metadata: m("p", "app"), spec: {} };
    const job = { apiVersion: "batch/v1", kind: "Job", metadata: m("j", "app"), spec: {} };
    expect(restoreSkipReason(secret, GVR.secret)).toBeUndefined();
    expect(restoreSkipReason(pod, GVR.pod)).toBeUndefined();
    expect(restoreSkipReason(job, GVR.job)).toBeUndefined();
  });

  it("gives a Service a fresh clusterIP and no node ports; a headless one stays headless", () => {
    const svc = (clusterIP: string): KubeObject => ({
      apiVersion: "v1",
      kind: "Service",
      metadata: m("web", "app", serverMeta),
      spec: {
        type: "NodePort",
        clusterIP,
        clusterIPs: [clusterIP],
        ports: [{ port: 80, nodePort: 30080 }],
      },
      status: { loadBalancer: {} },
    });
    expect(restorableCopy(svc("10.0.0.12"))).toEqual({
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: "web", namespace: "app" },
      spec: { type: "NodePort", ports: [{ port: 80 }] },
    });
    expect(restorableCopy(svc("None")).spec).toMatchObject({ clusterIP: "None" });
  });

  it("compares equal what differs only in what the clusters populated", () => {
    const a: KubeObject = {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: m("c", "app", {
        ...serverMeta,
        annotations: { "livesync.dev/restored-by": "r1" },
      }),
      data: { k: "v" },
    };
    const b: KubeObject = {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: m("c", "app"),
      data: { k: "v" },
    };
    expect(restorableCopy(a)).toEqual(restorableCopy(b));
  });
});
