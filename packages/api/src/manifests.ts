// Manifest files as users write them for kubectl: multi-document YAML with livesync objects,
// Secrets and anything else. Validates each livesync object, then what only the whole set can
// show: references between objects, Secret keys, and resource sets claimed twice.

import { parse as parseYaml, parseAllDocuments } from "yaml";
import {
  groupResource,
  namespacedName,
  namespaceOf,
  objectKey,
  type KubeObject,
} from "./objects.js";
import { filtersMayOverlap } from "./resources.js";
import { clusterKubeconfig, KUBECONFIG_KEY } from "./secrets.js";
import { isRecord } from "./structural.js";
import type {
  Backup,
  BackupSchedule,
  Bucket,
  KubernetesCluster,
  LiveSynchronization,
  Restore,
  Secret,
  Task,
  TaskRun,
} from "./types.js";
import { isLivesyncApiVersion, validateObject } from "./validate.js";

export interface ManifestDoc {
  source: string;
  /** Position of the document in its source, counting from 0 (empty documents included). */
  index: number;
  doc: unknown;
  /** Set when the document is not valid YAML; `doc` is then undefined. */
  error?: string;
}

export interface ManifestProblem {
  source: string;
  index: number;
  kind?: string;
  namespace?: string;
  name?: string;
  /** Field path inside the document; "" when the whole document is the problem. */
  path: string;
  message: string;
}

/** Valid objects by kind; livesync objects have their schema defaults applied. */
export interface ManifestObjects {
  LiveSynchronization: LiveSynchronization[];
  Task: Task[];
  TaskRun: TaskRun[];
  KubernetesCluster: KubernetesCluster[];
  Bucket: Bucket[];
  Backup: Backup[];
  BackupSchedule: BackupSchedule[];
  Restore: Restore[];
  Secret: Secret[];
  other: KubeObject[];
}

/**
 * Splits multi-document YAML. YAML 1.1 is used because kubectl (go-yaml) reads manifests as
 * YAML 1.1: `on`/`yes` are booleans there, and agreeing with kubectl beats surprising it.
 */
export function parseManifests(text: string, source: string): ManifestDoc[] {
  const out: ManifestDoc[] = [];
  parseAllDocuments(text, { version: "1.1" }).forEach((d, index) => {
    if (d.errors.length > 0) {
      const error = d.errors
        .map((e) => {
          const at = e.linePos?.[0];
          const what = e.message.split(" at line ")[0];
          return at ? `line ${at.line}, column ${at.col}: ${what}` : what;
        })
        .join("; ");
      out.push({ source, index, doc: undefined, error });
      return;
    }
    try {
      const doc: unknown = d.toJS();
      // Empty documents (e.g. "---" twice, or a trailing "---") are skipped, as kubectl does.
      if (doc !== null && doc !== undefined) out.push({ source, index, doc });
    } catch (e) {
      out.push({ source, index, doc: undefined, error: (e as Error).message });
    }
  });
  return out;
}

interface Located<T> {
  obj: T;
  at: ManifestDoc;
}

/** The objects that refer to others, with the document each came from. */
interface LocatedObjects {
  LiveSynchronization: Located<LiveSynchronization>[];
  KubernetesCluster: Located<KubernetesCluster>[];
  Bucket: Located<Bucket>[];
}
type Report = (at: ManifestDoc, path: string, message: string) => void;

type Identified = Pick<KubeObject, "apiVersion" | "kind" | "metadata">;

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Why a Secret cannot provide `key`, or undefined when it can. */
function secretKeyProblem(secret: Secret, key: string): string | undefined {
  const name = `Secret "${secret.metadata.name}"`;
  const fromData = isRecord(secret.data) ? secret.data[key] : undefined;
  const fromString = isRecord(secret.stringData) ? secret.stringData[key] : undefined;
  if (typeof fromString === "string")
    return fromString === "" ? `${name} key "${key}" is empty` : undefined;
  if (typeof fromData !== "string") return `${name} has no key "${key}" in data or stringData`;
  if (fromData === "") return `${name} key "${key}" is empty`;
  if (!BASE64.test(fromData)) return `${name} key "${key}" in data is not valid base64`;
  return undefined;
}

export function validateManifestSet(docs: ManifestDoc[]): {
  problems: ManifestProblem[];
  objects: ManifestObjects;
} {
  const problems: ManifestProblem[] = [];
  const objects: ManifestObjects = {
    LiveSynchronization: [],
    Task: [],
    TaskRun: [],
    KubernetesCluster: [],
    Bucket: [],
    Backup: [],
    BackupSchedule: [],
    Restore: [],
    Secret: [],
    other: [],
  };
  const located: LocatedObjects = { LiveSynchronization: [], KubernetesCluster: [], Bucket: [] };
  const seen = new Map<string, ManifestDoc>();

  const problem: Report = (at, path, message) => {
    const d = isRecord(at.doc) ? at.doc : {};
    const meta = isRecord(d.metadata) ? d.metadata : {};
    const p: ManifestProblem = { source: at.source, index: at.index, path, message };
    if (typeof d.kind === "string") p.kind = d.kind;
    if (typeof meta.name === "string") {
      p.name = meta.name;
      p.namespace =
        typeof meta.namespace === "string" && meta.namespace ? meta.namespace : "default";
    }
    problems.push(p);
  };

  /** First definition wins; later ones are reported and left out of `objects`. */
  const isDuplicate = (at: ManifestDoc, obj: Identified): boolean => {
    const group = obj.apiVersion.split("/").slice(0, -1).join("/");
    const id = `${obj.kind}.${group} ${objectKey(obj)}`;
    const first = seen.get(id);
    if (!first) {
      seen.set(id, at);
      return false;
    }
    problem(
      at,
      "metadata.name",
      `duplicate of ${obj.kind} ${objectKey(obj)} in ${first.source}#${first.index}`,
    );
    return true;
  };

  for (const at of docs) {
    const { doc } = at;
    if (at.error !== undefined) {
      problem(at, "", `invalid YAML: ${at.error}`);
      continue;
    }
    if (!isRecord(doc) || typeof doc.apiVersion !== "string" || typeof doc.kind !== "string") {
      problem(at, "", "not a Kubernetes object: apiVersion and kind are required");
      continue;
    }
    if (isLivesyncApiVersion(doc.apiVersion)) {
      const result = validateObject(doc);
      if (!result.ok) {
        for (const e of result.errors) problem(at, e.path, e.message);
        continue;
      }
      const obj = result.value;
      if (isDuplicate(at, obj)) continue;
      // The union is discriminated by kind; TypeScript cannot index a record with it directly.
      (objects[obj.kind] as (typeof obj)[]).push(obj);
      if (obj.kind in located)
        (located[obj.kind as keyof typeof located] as Located<typeof obj>[]).push({ obj, at });
      continue;
    }
    const meta = isRecord(doc.metadata) ? doc.metadata : undefined;
    if (doc.apiVersion === "v1" && doc.kind === "Secret") {
      if (typeof meta?.name !== "string") {
        problem(at, "metadata.name", "required field is missing");
        continue;
      }
      const secret = doc as unknown as Secret;
      if (!isDuplicate(at, secret)) objects.Secret.push(secret);
      continue;
    }
    // Other kinds pass through unchecked; the apiserver that receives them will judge.
    const other = doc as KubeObject;
    if (typeof meta?.name !== "string" || !isDuplicate(at, other)) objects.other.push(other);
  }

  checkReferences(objects, located, problem);
  checkSharing(located.LiveSynchronization, problem);
  checkCoverage(located.LiveSynchronization, destinationIdentity(objects), problem);
  return { problems, objects };
}

/** References resolve within the referrer's namespace, as the operator will resolve them. */
function checkReferences(objects: ManifestObjects, located: LocatedObjects, problem: Report) {
  const index = <T extends { metadata: { name: string; namespace?: string } }>(items: T[]) =>
    new Map(items.map((o) => [objectKey(o), o]));
  const clusters = index(objects.KubernetesCluster);
  const buckets = index(objects.Bucket);
  const secrets = index(objects.Secret);

  /** Reports a missing reference; returns the target when it exists. */
  const resolve = <T>(
    table: Map<string, T>,
    kind: string,
    name: string | undefined,
    from: Located<{ metadata: { namespace?: string } }>,
    path: string,
  ): T | undefined => {
    if (name === undefined) return undefined;
    const ns = namespaceOf(from.obj);
    const target = table.get(namespacedName(ns, name));
    if (!target) problem(from.at, path, `${kind} "${name}" not found in namespace "${ns}"`);
    return target;
  };
  const checkSecret = (
    from: Located<{ metadata: { namespace?: string } }>,
    secretName: string,
    keys: string[],
  ) => {
    const secret = resolve(secrets, "Secret", secretName, from, "spec.secretName");
    if (!secret) return;
    for (const key of keys) {
      const message = secretKeyProblem(secret, key);
      if (message) problem(from.at, "spec.secretName", message);
    }
  };

  for (const ls of located.LiveSynchronization) {
    const { sourceName, destinationName, bucketName } = ls.obj.spec.config;
    resolve(clusters, "KubernetesCluster", sourceName, ls, "spec.config.sourceName");
    resolve(clusters, "KubernetesCluster", destinationName, ls, "spec.config.destinationName");
    resolve(buckets, "Bucket", bucketName, ls, "spec.config.bucketName");
  }
  for (const c of located.KubernetesCluster)
    checkSecret(c, c.obj.spec.secretName, [c.obj.spec.secretKey ?? KUBECONFIG_KEY]);
  for (const b of located.Bucket)
    checkSecret(b, b.obj.spec.secretName, ["accessKeyID", "secretAccessKey"]);
}

/**
 * The upstream documentation (docs/upstream-examples.md): "It is only possible to deploy one live
 * synchronization per namespace if they share common resources such as a bucket or a kubernetes
 * cluster." A later LiveSynchronization that names a KubernetesCluster or Bucket an earlier one in
 * its namespace names is rejected.
 */
function checkSharing(liveSyncs: Located<LiveSynchronization>[], problem: Report) {
  const users = new Map<string, Located<LiveSynchronization>>();
  for (const ls of liveSyncs) {
    const ns = namespaceOf(ls.obj);
    const { sourceName, destinationName, bucketName } = ls.obj.spec.config;
    const refs: [string, string, string | undefined][] = [
      ["spec.config.sourceName", "KubernetesCluster", sourceName],
      ["spec.config.destinationName", "KubernetesCluster", destinationName],
      ["spec.config.bucketName", "Bucket", bucketName],
    ];
    for (const [path, kind, name] of refs) {
      if (name === undefined) continue;
      const key = `${kind} ${namespacedName(ns, name)}`;
      const first = users.get(key);
      if (!first) users.set(key, ls);
      else if (first !== ls)
        problem(
          ls.at,
          path,
          `${kind} "${name}" is used by LiveSynchronization ${namespacedName(ns, first.obj.metadata.name)} already; only one LiveSynchronization per namespace may use a given cluster or bucket: put this one in another namespace with its own ${kind} and Secret`,
        );
    }
  }
}

/**
 * Which cluster a LiveSynchronization writes to: the server of its destination kubeconfig when
 * the Secret is at hand (two KubernetesCluster objects may name one cluster), otherwise the
 * KubernetesCluster's namespace/name.
 */
function destinationIdentity(objects: ManifestObjects): (ls: LiveSynchronization) => string {
  return (ls) => {
    const ns = namespaceOf(ls);
    const name = ls.spec.config.destinationName;
    const kc = objects.KubernetesCluster.find(
      (c) => namespaceOf(c) === ns && c.metadata.name === name,
    );
    const text = kc && clusterKubeconfig(kc, objects.Secret);
    return (
      (text !== undefined && kubeconfigServer(text)) ||
      `KubernetesCluster ${namespacedName(ns, name)}`
    );
  };
}

/** The current context's cluster server of a kubeconfig, if it says. */
function kubeconfigServer(text: string): string | undefined {
  try {
    const kc = parseYaml(text) as {
      "current-context"?: string;
      contexts?: { name: string; context?: { cluster?: string } }[];
      clusters?: { name: string; cluster?: { server?: string } }[];
    };
    const ctx = kc.contexts?.find((c) => c.name === kc["current-context"]) ?? kc.contexts?.[0];
    const server = kc.clusters?.find((c) => c.name === ctx?.context?.cluster)?.cluster?.server;
    return server ? `cluster ${server}` : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The upstream documentation: "The same resource or resource set ... cannot be present in more
 * than one LiveSynchronization." Two would fight over the same copies in the destination cluster,
 * so LiveSynchronizations writing to the same cluster (from any namespace) are compared.
 */
function checkCoverage(
  liveSyncs: Located<LiveSynchronization>[],
  destinationOf: (ls: LiveSynchronization) => string,
  problem: Report,
) {
  liveSyncs.forEach((later, l) => {
    later.obj.spec.config.replication.resources.forEach((r, i) => {
      for (const earlier of liveSyncs.slice(0, l)) {
        if (destinationOf(earlier.obj) !== destinationOf(later.obj)) continue;
        const j = earlier.obj.spec.config.replication.resources.findIndex(
          (o) =>
            (o.group ?? "") === (r.group ?? "") &&
            o.resource === r.resource &&
            filtersMayOverlap(o.filters, r.filters),
        );
        if (j < 0) continue;
        const owner = objectKey(earlier.obj);
        problem(
          later.at,
          `spec.config.replication.resources[${i}]`,
          `${groupResource(r)} covered by LiveSynchronization ${owner} already (its resources[${j}]) and their filters may overlap; a resource set may belong to only one LiveSynchronization per destination cluster`,
        );
        return;
      }
    });
  });
}
