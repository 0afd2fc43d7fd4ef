import { describe, expect, it } from "vitest";
import { sanitize } from "./sanitize.js";
import type { Gvr, KubeObject } from "./types.js";

const core = (resource: string): Gvr => ({ group: "", version: "v1", resource });
const GVR = {
  cm: core("configmaps"),
  svc: core("services"),
  pvc: core("persistentvolumeclaims"),
  pv: core("persistentvolumes"),
  pod: core("pods"),
  sa: core("serviceaccounts"),
  secret: core("secrets"),
  ep: core("endpoints"),
  ns: core("namespaces"),
  job: { group: "batch", version: "v1", resource: "jobs" },
  deploy: { group: "apps", version: "v1", resource: "deployments" },
};

/** Server-populated metadata every live object carries. */
const serverMeta = {
  uid: "0b0c6c4e-1111-4e4e-8a8a-000000000001",
  resourceVersion: "12345",
  generation: 3,
  creationTimestamp: "2024-01-01T00:00:00Z",
  managedFields: [{ manager: "kubectl", operation: "Apply", fieldsV1: {} }],
  selfLink: "/api/v1/namespaces/app/configmaps/x",
  finalizers: ["example.com/cleanup"],
  generateName: "x-",
  deletionGracePeriodSeconds: 30,
};

function expectObject(input: KubeObject, gvr: Gvr, want: KubeObject): void {
  const frozen = structuredClone(input);
  const out = sanitize(input, gvr);
  expect(out).toEqual({ object: want });
  expect(input).toEqual(frozen); // never mutates the input
}

function expectSkip(input: KubeObject, gvr: Gvr, reason: RegExp): void {
  const out = sanitize(input, gvr);
  expect("skip" in out ? out.skip : out).toMatch(reason);
}

describe("sanitize: metadata (1.1)", () => {
  it("keeps only name, namespace, labels, annotations and drops status", () => {
    expectObject(
      {
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: {
          name: "x",
          namespace: "app",
          labels: { app: "web" },
          annotations: { note: "hi" },
          ...serverMeta,
          ownerReferences: [{ apiVersion: "v1", kind: "Thing", name: "t", uid: "u" }],
          futureField: { x: 1 },
        },
        data: { k: "v" },
        status: { whatever: true },
      },
      GVR.cm,
      {
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: {
          name: "x",
          namespace: "app",
          labels: { app: "web" },
          annotations: { note: "hi" },
        },
        data: { k: "v" },
      },
    );
  });

  it("drops state and tracking annotations and livesync's own keys, keeps last-applied", () => {
    expectObject(
      {
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: {
          name: "web",
          namespace: "app",
          labels: { app: "web", "livesync.dev/managed": "true" },
          annotations: {
            "deployment.kubernetes.io/revision": "4",
            "deployment.kubernetes.io/revision-history": "1,2",
            "argocd.argoproj.io/tracking-id": "app:apps/Deployment:app/web",
            "livesync.dev/content-hash": "abc",
            "livesync.dev/anything-else": "x",
            "kubectl.kubernetes.io/last-applied-configuration": '{"kind":"Deployment"}',
          },
        },
        spec: { replicas: 3 },
      },
      GVR.deploy,
      {
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: {
          name: "web",
          namespace: "app",
          labels: { app: "web" },
          annotations: {
            "kubectl.kubernetes.io/last-applied-configuration": '{"kind":"Deployment"}',
          },
        },
        spec: { replicas: 3 },
      },
    );
  });

  it("omits label/annotation maps left empty", () => {
    expectObject(
      {
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: {
          name: "x",
          namespace: "app",
          labels: { "livesync.dev/managed": "true" },
          annotations: { "deployment.kubernetes.io/revision": "1" },
        },
      },
      GVR.cm,
      { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "x", namespace: "app" } },
    );
  });

  it("keeps non-controller owner-less objects with ownerReferences stripped", () => {
    const out = sanitize(
      {
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: {
          name: "x",
          namespace: "app",
          ownerReferences: [
            { apiVersion: "v1", kind: "Thing", name: "t", uid: "u", controller: false },
          ],
        },
      },
      GVR.cm,
    );
    expect(out).toEqual({
      object: { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "x", namespace: "app" } },
    });
  });
});

describe("sanitize: never copied (1.2)", () => {
  const m = (name: string, namespace?: string, extra: Record<string, unknown> = {}) => ({
    name,
    ...(namespace ? { namespace } : {}),
    ...extra,
  });

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
    [
      "default ServiceAccount",
      { apiVersion: "v1", kind: "ServiceAccount", metadata: m("default", "app") },
      GVR.sa,
      /created in every namespace/,
    ],
    [
      "default ServiceAccount with only its generated secrets",
      {
        apiVersion: "v1",
        kind: "ServiceAccount",
        metadata: m("default", "app"),
        secrets: [{ name: "default-token-abcde" }],
        imagePullSecrets: [{ name: "default-dockercfg-xyz" }],
      },
      GVR.sa,
      /created in every namespace/,
    ],
    [
      "auto-created service-account token Secret",
      {
        apiVersion: "v1",
        kind: "Secret",
        type: "kubernetes.io/service-account-token",
        metadata: m("builder-token-x7k2p", "app", {
          annotations: { "kubernetes.io/service-account.name": "builder" },
        }),
      },
      GVR.secret,
      /token Secret auto-created for ServiceAccount builder/,
    ],
    [
      "OpenShift generated dockercfg Secret",
      {
        apiVersion: "v1",
        kind: "Secret",
        type: "kubernetes.io/dockercfg",
        metadata: m("default-dockercfg-x7k2p", "app", {
          annotations: { "kubernetes.io/service-account.name": "default" },
        }),
      },
      GVR.secret,
      /pull Secret auto-created/,
    ],
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
    [
      "object without a name",
      { apiVersion: "v1", kind: "ConfigMap", metadata: m("", "app") },
      GVR.cm,
      /no metadata.name/,
    ],
  ])("skips %s", (_name, input, gvr, reason) => {
    expectSkip(input, gvr, reason);
  });

  it.each<[string, KubeObject, Gvr]>([
    [
      "a default ServiceAccount with a user pull secret",
      {
        apiVersion: "v1",
        kind: "ServiceAccount",
        metadata: { name: "default", namespace: "app" },
        imagePullSecrets: [{ name: "regcred" }],
      },
      GVR.sa,
    ],
    [
      "a default ServiceAccount with automount disabled",
      {
        apiVersion: "v1",
        kind: "ServiceAccount",
        metadata: { name: "default", namespace: "app" },
        automountServiceAccountToken: false,
      },
      GVR.sa,
    ],
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
      "a user Secret whose name merely looks like a token",
      {
        apiVersion: "v1",
        kind: "Secret",
        type: "Opaque",
        metadata: {
          name: "builder-token-x",
          namespace: "app",
          annotations: { "kubernetes.io/service-account.name": "builder" },
        },
      },
      GVR.secret,
    ],
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

  it("ServiceAccount: drops generated token and dockercfg references", () => {
    expectObject(
      {
        apiVersion: "v1",
        kind: "ServiceAccount",
        metadata: { name: "builder", namespace: "app" },
        secrets: [
          { name: "builder-token-x7k2p" },
          { name: "builder-dockercfg-abc" },
          { name: "extra" },
        ],
        imagePullSecrets: [{ name: "builder-dockercfg-abc" }],
      },
      GVR.sa,
      {
        apiVersion: "v1",
        kind: "ServiceAccount",
        metadata: { name: "builder", namespace: "app" },
        secrets: [{ name: "extra" }],
      },
    );
  });

  it("ServiceAccount default with a user pull secret keeps it", () => {
    expectObject(
      {
        apiVersion: "v1",
        kind: "ServiceAccount",
        metadata: { name: "default", namespace: "app" },
        secrets: [{ name: "default-token-abc" }],
        imagePullSecrets: [{ name: "default-dockercfg-abc" }, { name: "regcred" }],
      },
      GVR.sa,
      {
        apiVersion: "v1",
        kind: "ServiceAccount",
        metadata: { name: "default", namespace: "app" },
        imagePullSecrets: [{ name: "regcred" }],
      },
    );
  });

  it("Secret service-account-token made by hand: drops uid and the token controller's data", () => {
    expectObject(
      {
        apiVersion: "v1",
        kind: "Secret",
        type: "kubernetes.io/service-account-token",
        metadata: {
          name: "ci-robot",
          namespace: "app",
          annotations: {
            "kubernetes.io/service-account.name": "ci",
            "kubernetes.io/service-account.uid": "u-sa",
          },
        },
        data: { token: "dG9r", "ca.crt": "Y2E=", namespace: "YXBw", extra: "eA==" },
      },
      GVR.secret,
      {
        apiVersion: "v1",
        kind: "Secret",
        type: "kubernetes.io/service-account-token",
        metadata: {
          name: "ci-robot",
          namespace: "app",
          annotations: { "kubernetes.io/service-account.name": "ci" },
        },
        data: { extra: "eA==" },
      },
    );
  });

  it("Secret service-account-token with only controller data ends without data", () => {
    const out = sanitize(
      {
        apiVersion: "v1",
        kind: "Secret",
        type: "kubernetes.io/service-account-token",
        metadata: {
          name: "ci-robot",
          namespace: "app",
          annotations: { "kubernetes.io/service-account.name": "ci" },
        },
        data: { token: "dG9r", "ca.crt": "Y2E=", namespace: "YXBw" },
      },
      GVR.secret,
    );
    expect(out).toEqual({
      object: {
        apiVersion: "v1",
        kind: "Secret",
        type: "kubernetes.io/service-account-token",
        metadata: {
          name: "ci-robot",
          namespace: "app",
          annotations: { "kubernetes.io/service-account.name": "ci" },
        },
      },
    });
  });

  it("an Opaque Secret keeps its data untouched", () => {
    expectObject(
      {
        apiVersion: "v1",
        kind: "Secret",
        type: "Opaque",
        metadata: { name: "s", namespace: "app" },
        data: { token: "eA==" },
      },
      GVR.secret,
      {
        apiVersion: "v1",
        kind: "Secret",
        type: "Opaque",
        metadata: { name: "s", namespace: "app" },
        data: { token: "eA==" },
      },
    );
  });

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
