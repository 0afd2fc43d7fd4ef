// Shared set-up of the restore tests: the destination cluster, the bucket, backups held in
// memory (objects as a snapshot stores them) and readers of the destination.

import { createHash, randomBytes } from "node:crypto";
import { afterAll, inject } from "vitest";
import type { Backup, BackupSpec, KubeObject } from "@livesync/api";
import {
  BACKUP_FORMAT_VERSION,
  BackupIntegrityError,
  itemPath,
  type BackupArchive,
  type BackupIndexEntry,
} from "@livesync/backup";
import { bucketClient } from "@livesync/bucket";
import { restoreFileKey } from "@livesync/backup";
import {
  Cluster,
  collectionPath,
  deleteObject,
  getObject,
  type ResourceInfo,
} from "@livesync/kube";
import { crdManifest, kubeConfigFor } from "@livesync/testkit";
import type { RestoreBucket } from "../src/index.js";

export const env = inject("testenv");
export const uniq = (prefix: string) => `${prefix}-${randomBytes(3).toString("hex")}`;

export async function clusters() {
  const destination = await Cluster.fromKubeConfig(
    "destination",
    kubeConfigFor(env, "destination"),
  );
  const source = await Cluster.fromKubeConfig("source", kubeConfigFor(env, "source"));
  return { destination, source };
}

export const s3 = bucketClient({
  endpoint: env.s3.endpoint,
  bucket: env.s3.bucket,
  region: env.s3.region,
  accessKeyID: env.s3.accessKeyID,
  secretAccessKey: env.s3.secretAccessKey,
  forcePathStyle: true,
});

/** The restore files of a Bucket "restore-tests" in namespace `ns`. */
export function restoreBucket(ns: string): RestoreBucket {
  const target = { client: s3, bucketNamespace: ns, bucketName: "restore-tests" };
  const key = (r: string, f: string) => restoreFileKey(ns, "restore-tests", r, f);
  return {
    target,
    putRestoreFile: (r, f, body) => s3.put(key(r, f), body, {}),
    getRestoreFile: (r, f) => s3.get(key(r, f)),
  };
}

/** A resource as the tests name it: plural, group, version, kind, scope. */
export function res(
  group: string,
  version: string,
  resource: string,
  kind: string,
  namespaced = true,
): ResourceInfo {
  return { group, version, resource, kind, namespaced, verbs: [] };
}

export const R = {
  ns: res("", "v1", "namespaces", "Namespace", false),
  cm: res("", "v1", "configmaps", "ConfigMap"),
  secret: res("", "v1", "secrets", "Secret"),
  svc: res("", "v1", "services", "Service"),
  sa: res("", "v1", "serviceaccounts", "ServiceAccount"),
  deploy: res("apps", "v1", "deployments", "Deployment"),
  rs: res("apps", "v1", "replicasets", "ReplicaSet"),
  pod: res("", "v1", "pods", "Pod"),
  role: res("rbac.authorization.k8s.io", "v1", "roles", "Role"),
  rb: res("rbac.authorization.k8s.io", "v1", "rolebindings", "RoleBinding"),
  cr: res("rbac.authorization.k8s.io", "v1", "clusterroles", "ClusterRole", false),
  crb: res("rbac.authorization.k8s.io", "v1", "clusterrolebindings", "ClusterRoleBinding", false),
  crd: res(
    "apiextensions.k8s.io",
    "v1",
    "customresourcedefinitions",
    "CustomResourceDefinition",
    false,
  ),
};

export interface Stored {
  info: ResourceInfo;
  object: KubeObject;
  /** The source uid (default: random). */
  uid?: string;
}

const sha = (text: string) => createHash("sha256").update(text).digest("hex");

/** A backup held in memory, as a snapshot would have stored `objects`. */
export function memoryArchive(
  name: string,
  objects: Stored[],
  opts: {
    kubernetesVersion: string;
    spec?: Partial<BackupSpec>;
    tamper?: string;
    completionTime?: string;
  },
): BackupArchive {
  const entries = objects.map(({ info, object, uid }) => {
    const ref = {
      group: info.group,
      version: info.version,
      resource: info.resource,
      kind: info.kind,
      ...(object.metadata.namespace ? { namespace: object.metadata.namespace } : {}),
      name: object.metadata.name,
    };
    const entry: BackupIndexEntry = {
      ...ref,
      path: itemPath(ref),
      uid: uid ?? randomBytes(8).toString("hex"),
      resourceVersion: "1",
      sha256: sha(JSON.stringify(object)),
    };
    return { entry, object };
  });
  const completionTime = opts.completionTime ?? new Date().toISOString();
  const backup: Backup = {
    apiVersion: "backup.livesync.dev/v1alpha1",
    kind: "Backup",
    metadata: { name },
    spec: { sourceName: "source", ...opts.spec },
    status: { phase: "Completed", completionTime, kubernetesVersion: opts.kubernetesVersion },
  };
  return {
    backup,
    index: {
      format: BACKUP_FORMAT_VERSION,
      backup: name,
      resourceVersion: "1",
      atomic: true,
      kubernetesVersion: opts.kubernetesVersion,
      createdAt: completionTime,
      items: entries.map((e) => e.entry),
    },
    items: async function* () {
      for (const e of entries) {
        if (e.entry.name === opts.tamper) {
          throw new BackupIntegrityError(
            `${e.entry.path}: sha256 does not match the index`,
            e.entry,
          );
        }
        yield e;
      }
    },
  };
}

export async function kubernetesVersion(c: Cluster): Promise<string> {
  return (await c.rest.request<{ gitVersion: string }>("GET", "/version")).gitVersion;
}

export const read = (c: Cluster, info: ResourceInfo, ns: string | undefined, name: string) =>
  getObject(c.rest, info, info.namespaced ? ns : undefined, name);

export async function create(c: Cluster, info: ResourceInfo, obj: KubeObject): Promise<KubeObject> {
  return c.rest.request<KubeObject>("POST", collectionPath(info, obj.metadata.namespace), {
    body: obj,
  });
}

export const cm = (ns: string, name: string, data: Record<string, string>): KubeObject => ({
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: { name, namespace: ns },
  data,
});
/** A Namespace as a snapshot stores it (the label and finalizer the apiserver sets included). */
export const namespace = (name: string): KubeObject => ({
  apiVersion: "v1",
  kind: "Namespace",
  metadata: { name, labels: { "kubernetes.io/metadata.name": name } },
  spec: { finalizers: ["kubernetes"] },
});

/** A namespaced CRD (version v1) whose objects may hold anything, status included. */
export function schemalessCrd(group: string, kind: string, plural: string): KubeObject {
  const crd = crdManifest(group, kind, plural, {}) as unknown as KubeObject & {
    spec: { versions: { schema: unknown }[] };
  };
  crd.spec.versions[0]!.schema = {
    openAPIV3Schema: { type: "object", "x-kubernetes-preserve-unknown-fields": true },
  };
  return crd;
}

/**
 * The destination cluster of a test file, its Kubernetes version, and the namespaces the file
 * makes (push them to `made`): deleted, and the client closed, after the file.
 */
export async function destinationForFile() {
  const { destination } = await clusters();
  const version = await kubernetesVersion(destination);
  const made: string[] = [];
  afterAll(async () => {
    for (const ns of made)
      await deleteObject(destination.rest, R.ns, undefined, ns).catch(() => undefined);
    destination.close();
  });
  return { destination, version, made };
}
