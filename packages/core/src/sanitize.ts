// Turns a source object into the object to create in ANOTHER cluster (also archived as the
// "original"): skip what must never be copied (README, "Never replicated"), keep only portable
// metadata, and drop per-cluster fields per kind.

import { ANNOTATIONS, CONTROL_PREFIX } from "./marks.js";
import { isSystemNamespace } from "./selection.js";
import type { Gvr, KubeObject } from "./types.js";
import { deepClone, deleteKeys, groupOf, isRecord } from "./util.js";

export type SanitizeResult = { object: KubeObject } | { skip: string };

/** Allowlist (as Stork): robust against metadata fields added by future Kubernetes versions. */
const KEPT_METADATA = ["name", "namespace", "labels", "annotations"] as const;

/** Annotations that describe the source cluster's state or another tool's ownership. */
export const DROPPED_ANNOTATIONS: readonly string[] = [
  "deployment.kubernetes.io/revision", // D's deployment controller keeps its own revision
  "deployment.kubernetes.io/revision-history",
  "argocd.argoproj.io/tracking-id", // an Argo CD in D would otherwise adopt/prune the copy
];

/** Set by the PV controller / provisioners while binding; D binds and provisions anew. */
const PVC_BIND_ANNOTATIONS = [
  "pv.kubernetes.io/bind-completed",
  "pv.kubernetes.io/bound-by-controller",
  "volume.kubernetes.io/storage-provisioner",
  "volume.beta.kubernetes.io/storage-provisioner",
  "volume.kubernetes.io/selected-node",
];
const PV_BIND_ANNOTATIONS = [
  "pv.kubernetes.io/bind-completed",
  "pv.kubernetes.io/bound-by-controller",
];

const JOB_CONTROLLER_UID_LABELS = ["controller-uid", "batch.kubernetes.io/controller-uid"];
const JOB_NAME_LABELS = ["job-name", "batch.kubernetes.io/job-name"];

const SA_TOKEN_TYPE = "kubernetes.io/service-account-token";
const SA_NAME_ANNOTATION = "kubernetes.io/service-account.name";
const SA_UID_ANNOTATION = "kubernetes.io/service-account.uid";

/** Resources (group/resource) never replicated: cluster-local or generated state. */
const NEVER_RESOURCES = new Set([
  "/events",
  "events.k8s.io/events",
  "/nodes",
  "coordination.k8s.io/leases",
  "apps/controllerrevisions",
  "storage.k8s.io/csinodes",
  "storage.k8s.io/volumeattachments",
  "/componentstatuses",
]);
/** Same list by group/kind, so a caller passing an odd GVR still cannot copy these. */
const NEVER_KINDS = new Set([
  "/Event",
  "events.k8s.io/Event",
  "/Node",
  "coordination.k8s.io/Lease",
  "apps/ControllerRevision",
  "storage.k8s.io/CSINode",
  "storage.k8s.io/VolumeAttachment",
  "/ComponentStatus",
]);
/** Whole groups that are read-only views of live state. */
const NEVER_GROUPS = new Set(["metrics.k8s.io"]);

const ENDPOINTSLICE_CONTROLLERS = [
  "endpointslice-controller.k8s.io",
  "endpointslicemirroring-controller.k8s.io",
];

const AUTO_CONFIGMAPS = ["kube-root-ca.crt", "openshift-service-ca.crt"];

/** Built-in PriorityClasses present in every cluster. */
const SYSTEM_PRIORITY_CLASSES = ["system-cluster-critical", "system-node-critical"];

type Obj = Record<string, unknown>;

function rec(v: unknown): Obj | undefined {
  return isRecord(v) ? v : undefined;
}
function arr(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}
function str(v: unknown): string | undefined {
  return typeof v === "string" ? v : undefined;
}

/** Why `obj` must not be replicated, or undefined when it may be. */
export function skipReason(obj: KubeObject, gvr: Gvr): string | undefined {
  const md = obj.metadata;
  const group = groupOf(obj.apiVersion);
  const kind = obj.kind;
  const name = md?.name;
  const ns = md?.namespace;
  const ann = md?.annotations ?? {};
  const labels = md?.labels ?? {};
  const spec = rec(obj.spec) ?? {};
  const status = rec(obj.status) ?? {};
  const is = (g: string, k: string) => group === g && kind === k;

  if (typeof name !== "string" || name === "") return "object has no metadata.name";
  // Loop prevention: a marked object is itself a copy (e.g. replicating D back to S).
  if (ANNOTATIONS.liveSync in ann) {
    return `already a livesync copy (annotation ${ANNOTATIONS.liveSync}=${ann[ANNOTATIONS.liveSync]})`;
  }
  if (NEVER_GROUPS.has(gvr.group) || NEVER_GROUPS.has(group)) {
    return `${gvr.group || group} resources are never replicated`;
  }
  if (NEVER_RESOURCES.has(`${gvr.group}/${gvr.resource}`) || NEVER_KINDS.has(`${group}/${kind}`)) {
    return `${kind} objects are cluster-local and never replicated`;
  }
  if (isSystemNamespace(ns))
    return `namespace ${ns} belongs to the cluster and is never replicated`;
  if (md.deletionTimestamp) return "being deleted in the source (deletionTimestamp set)";
  const ctl = (md.ownerReferences ?? []).find((r) => r.controller === true);
  if (ctl) return `owned by ${ctl.kind}/${ctl.name}; the destination's controller recreates it`;

  if (is("", "Namespace") && (isSystemNamespace(name) || name === "default")) {
    return `namespace ${name} exists in every cluster`;
  }
  if (is("", "Pod")) {
    if (ann["kubernetes.io/config.mirror"] !== undefined) {
      return "mirror pod of a static pod; the kubelet of a node owns it";
    }
    if (status.phase === "Succeeded" || status.phase === "Failed") {
      return `pod completed (phase ${String(status.phase)}); it would run again`;
    }
  }
  if (is("batch", "Job")) {
    const done = arr(status.conditions).some((c) => {
      const r = rec(c);
      return r && (r.type === "Complete" || r.type === "Failed") && r.status === "True";
    });
    if (status.completionTime !== undefined || done) return "job finished; it would run again";
  }
  if (is("", "ConfigMap") && AUTO_CONFIGMAPS.includes(name)) {
    return `ConfigMap ${name} is published in every namespace by a controller of the cluster`;
  }
  if (is("", "Service") && ns === "default" && name === "kubernetes") {
    return "Service default/kubernetes is the cluster's own API server";
  }
  if (is("", "Endpoints")) {
    if (ns === "default" && name === "kubernetes") {
      return "Endpoints default/kubernetes are the cluster's own API server";
    }
    // The endpoints controller marks what it manages (skip-mirror label, trigger-time
    // annotation); pod targetRefs are per-cluster. Only hand-made Endpoints are copied.
    const managed =
      labels["endpointslice.kubernetes.io/skip-mirror"] === "true" ||
      ann["endpoints.kubernetes.io/last-change-trigger-time"] !== undefined ||
      arr(obj.subsets).some((s) =>
        [...arr(rec(s)?.addresses), ...arr(rec(s)?.notReadyAddresses)].some(
          (a) => rec(a)?.targetRef !== undefined,
        ),
      );
    if (managed) return "Endpoints maintained by the endpoints controller for a Service";
  }
  if (is("discovery.k8s.io", "EndpointSlice")) {
    const by = labels["endpointslice.kubernetes.io/managed-by"];
    if (by !== undefined && ENDPOINTSLICE_CONTROLLERS.includes(by)) {
      return `EndpointSlice managed by ${by}`;
    }
    if (ns === "default" && name === "kubernetes") {
      return "EndpointSlice default/kubernetes is the cluster's own API server";
    }
  }
  if (is("", "ServiceAccount") && name === "default" && !defaultSaHasUserSettings(obj)) {
    return "ServiceAccount default is created in every namespace";
  }
  if (is("", "Secret")) {
    const sa = str(ann[SA_NAME_ANNOTATION]);
    if (sa !== undefined && obj.type === SA_TOKEN_TYPE && name.startsWith(`${sa}-token-`)) {
      return `token Secret auto-created for ServiceAccount ${sa}`;
    }
    if (
      sa !== undefined &&
      obj.type === "kubernetes.io/dockercfg" &&
      name.startsWith(`${sa}-dockercfg-`)
    ) {
      return `pull Secret auto-created for ServiceAccount ${sa}`;
    }
  }
  if (is("", "PersistentVolume") && (spec.persistentVolumeReclaimPolicy ?? "Retain") === "Delete") {
    // The PVC copy has no volumeName, so D provisions its own volume; a copied Delete-policy PV
    // would let D's provisioner delete the source's disk when the copy is removed.
    return "PersistentVolume with reclaim policy Delete; the destination provisions its own volume";
  }
  if (is("apiregistration.k8s.io", "APIService")) {
    if (labels["kube-aggregator.kubernetes.io/automanaged"] !== undefined) {
      return "APIService registered automatically by the API server";
    }
  }
  if (group === "rbac.authorization.k8s.io") {
    if (labels["kubernetes.io/bootstrapping"] === "rbac-defaults") {
      return "default RBAC object bootstrapped by the API server";
    }
    if ((kind === "ClusterRole" || kind === "ClusterRoleBinding") && name.startsWith("system:")) {
      return `${kind} ${name} belongs to the cluster (system: prefix)`;
    }
  }
  if (is("scheduling.k8s.io", "PriorityClass") && SYSTEM_PRIORITY_CLASSES.includes(name)) {
    return `PriorityClass ${name} is built into every cluster`;
  }
  return undefined;
}

/**
 * The namespace's `default` ServiceAccount exists everywhere; it is only worth copying when
 * the user configured it: pull secrets other than OpenShift's generated `default-dockercfg-*`,
 * or automountServiceAccountToken (a common hardening setting).
 */
function defaultSaHasUserSettings(obj: KubeObject): boolean {
  const userPullSecret = arr(obj.imagePullSecrets).some((r) => {
    const n = str(rec(r)?.name);
    return n !== undefined && !n.startsWith("default-dockercfg-");
  });
  return userPullSecret || obj.automountServiceAccountToken !== undefined;
}

/** Keeps name, namespace, labels and annotations minus source-state and livesync keys. */
function sanitizeMetadata(obj: KubeObject): void {
  const src = obj.metadata as Obj;
  const md: Obj = {};
  for (const k of KEPT_METADATA) if (src[k] !== undefined && src[k] !== "") md[k] = src[k];
  const ann = rec(md.annotations);
  if (ann) {
    for (const k of Object.keys(ann)) {
      if (k.startsWith(CONTROL_PREFIX) || DROPPED_ANNOTATIONS.includes(k)) delete ann[k];
    }
    if (Object.keys(ann).length === 0) delete md.annotations;
  }
  deleteKeys(
    md,
    "labels",
    Object.keys(rec(md.labels) ?? {}).filter((k) => k.startsWith(CONTROL_PREFIX)),
  );
  obj.metadata = md as KubeObject["metadata"];
}

function rewriteService(obj: KubeObject): void {
  const spec = rec(obj.spec);
  if (!spec) return;
  const headless = spec.clusterIP === "None" || arr(spec.clusterIPs)[0] === "None";
  if (!headless) {
    // Cluster IPs are allocated from D's service CIDR.
    delete spec.clusterIP;
    delete spec.clusterIPs;
  }
  // Node ports are allocated per cluster and may collide in D; a transformation can pin them.
  for (const p of arr(spec.ports)) delete rec(p)?.nodePort;
  delete spec.healthCheckNodePort;
}

function rewritePvc(obj: KubeObject): void {
  deleteKeys(obj.metadata as Obj, "annotations", PVC_BIND_ANNOTATIONS);
  // D binds the claim to a volume of its own (dynamic provisioning or a pre-bound PV copy).
  delete rec(obj.spec)?.volumeName;
}

function rewritePv(obj: KubeObject): void {
  deleteKeys(obj.metadata as Obj, "annotations", PV_BIND_ANNOTATIONS);
  const claimRef = rec(rec(obj.spec)?.claimRef);
  if (claimRef) {
    // Keep namespace/name so the PV stays pre-bound to the claim's copy; uid/rv are S's.
    delete claimRef.uid;
    delete claimRef.resourceVersion;
  }
}

/** Drops volumes (and their mounts) carrying S's service-account credentials. */
function stripServiceAccountVolumes(podSpec: Obj): void {
  const sa = str(podSpec.serviceAccountName) ?? str(podSpec.serviceAccount) ?? "default";
  const dropped = new Set<string>();
  if (Array.isArray(podSpec.volumes)) {
    podSpec.volumes = podSpec.volumes.filter((v) => {
      const r = rec(v);
      const n = str(r?.name);
      if (n === undefined) return true;
      const legacyToken = n.startsWith(`${sa}-token-`);
      const projectedToken = n.startsWith("kube-api-access-") && r?.projected !== undefined;
      if (legacyToken || projectedToken) dropped.add(n);
      return !(legacyToken || projectedToken);
    });
  }
  if (dropped.size === 0) return;
  for (const field of ["initContainers", "containers", "ephemeralContainers"]) {
    for (const c of arr(podSpec[field])) {
      const cr = rec(c);
      if (cr && Array.isArray(cr.volumeMounts)) {
        cr.volumeMounts = cr.volumeMounts.filter((m) => !dropped.has(str(rec(m)?.name) ?? ""));
      }
    }
  }
}

function rewritePod(obj: KubeObject): void {
  const spec = rec(obj.spec);
  if (!spec) return;
  delete spec.nodeName; // D's scheduler places it
  // Admission recomputes priority from priorityClassName and rejects a mismatching value.
  delete spec.priority;
  stripServiceAccountVolumes(spec);
}

function rewriteJob(obj: KubeObject): void {
  const spec = rec(obj.spec);
  if (!spec) return;
  const selector = rec(spec.selector);
  if (selector) deleteKeys(selector, "matchLabels", JOB_CONTROLLER_UID_LABELS);
  const tmd = rec(rec(spec.template)?.metadata);
  if (tmd) deleteKeys(tmd, "labels", JOB_CONTROLLER_UID_LABELS);
  if (spec.manualSelector !== true) {
    // The selector and these labels were generated from S's Job uid; D generates its own.
    delete spec.selector;
    if (tmd) deleteKeys(tmd, "labels", JOB_NAME_LABELS);
  }
  // D's TTL controller would delete the copy, which the next sync re-creates: a loop.
  delete spec.ttlSecondsAfterFinished;
}

function rewriteServiceAccount(obj: KubeObject): void {
  const name = obj.metadata.name;
  // Generated token/pull secrets are not copied (see skipReason); D generates its own.
  const generated = (r: unknown) => {
    const n = str(rec(r)?.name) ?? "";
    return n.startsWith(`${name}-token-`) || n.startsWith(`${name}-dockercfg-`);
  };
  for (const field of ["secrets", "imagePullSecrets"]) {
    const list = obj[field];
    if (!Array.isArray(list)) continue;
    const kept = list.filter((r) => !generated(r));
    if (kept.length > 0) obj[field] = kept;
    else delete obj[field];
  }
}

function rewriteSecret(obj: KubeObject): void {
  if (obj.type !== SA_TOKEN_TYPE) return;
  // D's token controller fills these for D's ServiceAccount; a foreign uid makes it delete the
  // Secret.
  deleteKeys(obj.metadata as Obj, "annotations", [SA_UID_ANNOTATION]);
  deleteKeys(obj, "data", ["token", "ca.crt", "namespace"]);
}

/**
 * Returns `{ object }`, the portable copy of `obj` (input untouched), or `{ skip: reason }`
 * when it must not be replicated at all.
 */
export function sanitize(obj: KubeObject, gvr: Gvr): SanitizeResult {
  const reason = skipReason(obj, gvr);
  if (reason !== undefined) return { skip: reason };
  const out = deepClone(obj);
  delete out.status;
  sanitizeMetadata(out);
  const group = groupOf(out.apiVersion);
  if (group === "") {
    if (out.kind === "Service") rewriteService(out);
    else if (out.kind === "PersistentVolumeClaim") rewritePvc(out);
    else if (out.kind === "PersistentVolume") rewritePv(out);
    else if (out.kind === "Pod") rewritePod(out);
    else if (out.kind === "ServiceAccount") rewriteServiceAccount(out);
    else if (out.kind === "Secret") rewriteSecret(out);
  } else if (group === "batch" && out.kind === "Job") {
    rewriteJob(out);
  }
  return { object: out };
}
