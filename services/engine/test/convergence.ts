/**
 * "The destination converged", object by object, for the churn tests: raw JSON access to both
 * clusters, a description of each replicated kind (where it lives, which fields a user cares
 * about, what the LiveSynchronization's transformation does to them), and a comparison of every
 * copy with its transformed source that says which objects differ and how.
 */
import type { PatchOperation, ReplicatedResource, ResourceFilters } from "@livesync/api";
import { KubeRest } from "@livesync/kube";
import { crdManifest, eventually, kubeConfigFor, type TestEnvironment } from "@livesync/testkit";
import type { Engine, EngineOptions, LiveSyncStatus } from "../src/index.js";
import { LS_NAMESPACE, uniq } from "../src/testing.js";

/** The two buses every churn test runs on; the reconciler never runs during the test. */
export function buses(env: TestEnvironment): [string, () => EngineOptions][] {
  // No reconcile pass (first one after an hour): the watch-driven path alone must converge;
  // a repairing pass would hide lost updates, which is what these tests look for.
  const noReconciler = { firstReconcileDelayMs: 60 * 60_000 };
  return [
    [
      "jetstream",
      () => ({
        natsUrl: env.nats.url,
        stream: uniq("CHURN").toUpperCase().replace(/-/g, "_"),
        ...noReconciler,
      }),
    ],
    ["in-process bus", () => ({ ...noReconciler })],
  ];
}

const MARK = {
  liveSync: "livesync.dev/live-synchronization",
  sourceUid: "livesync.dev/source-uid",
  sourceResourceVersion: "livesync.dev/source-resource-version",
};

export interface RawObject {
  apiVersion?: string;
  kind?: string;
  metadata: {
    name: string;
    namespace?: string;
    uid?: string;
    resourceVersion?: string;
    deletionTimestamp?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  [field: string]: unknown;
}

/** A replicated kind as the tests see it. */
export interface Kind {
  kind: string;
  group: string;
  version: string;
  resource: string;
  namespaced: boolean;
  /**
   * Compared fields besides labels and annotations: dotted paths, `name[]` maps over a list
   * ("spec.ports[].port" is the list of ports). Status and everything a cluster fills in
   * (uid, resourceVersion, clusterIP, defaults) stay out.
   */
  fields: string[];
  /** The LiveSynchronization's transformation of this kind... */
  transformation?: PatchOperation[];
  /** ...and what it makes of the compared fields (path -> value every copy must have). */
  transformed?: Record<string, unknown>;
  /** Source objects never replicated (made by the cluster itself). */
  ignored?: string[];
}

/** Annotations the destination's own controllers write on copies (and the source's on sources). */
const CONTROLLER_ANNOTATIONS = ["deployment.kubernetes.io/revision"];

const replicasZero: Pick<Kind, "transformation" | "transformed"> = {
  transformation: [{ op: "replace", path: "/spec/replicas", value: 0 }],
  transformed: { "spec.replicas": 0 },
};

export const DEPLOYMENTS: Kind = {
  kind: "Deployment",
  group: "apps",
  version: "v1",
  resource: "deployments",
  namespaced: true,
  fields: [
    "spec.replicas",
    "spec.selector",
    "spec.strategy.type",
    "spec.template.metadata",
    "spec.template.spec.containers[].name",
    "spec.template.spec.containers[].image",
    "spec.template.spec.containers[].env",
  ],
  ...replicasZero,
};

export const STATEFULSETS: Kind = {
  kind: "StatefulSet",
  group: "apps",
  version: "v1",
  resource: "statefulsets",
  namespaced: true,
  fields: [
    "spec.replicas",
    "spec.serviceName",
    "spec.selector",
    "spec.template.metadata",
    "spec.template.spec.containers[].name",
    "spec.template.spec.containers[].image",
  ],
  ...replicasZero,
};

export const SERVICES: Kind = {
  kind: "Service",
  group: "",
  version: "v1",
  resource: "services",
  namespaced: true,
  // Not clusterIP(s): sanitize drops them and the destination allocates its own.
  fields: [
    "spec.type",
    "spec.selector",
    "spec.ports[].name",
    "spec.ports[].port",
    "spec.ports[].targetPort",
    "spec.ports[].protocol",
  ],
};

export const CONFIGMAPS: Kind = {
  kind: "ConfigMap",
  group: "",
  version: "v1",
  resource: "configmaps",
  namespaced: true,
  fields: ["data", "binaryData"],
  ignored: ["kube-root-ca.crt"],
};

export const CRDS: Kind = {
  kind: "CustomResourceDefinition",
  group: "apiextensions.k8s.io",
  version: "v1",
  resource: "customresourcedefinitions",
  namespaced: false,
  // Defaulted the same way by both apiservers; the destination's controller writes status only.
  fields: ["spec"],
};

export function customKind(group: string, kind: string, plural: string): Kind {
  return { kind, group, version: "v1", resource: plural, namespaced: true, fields: ["spec"] };
}

/** A CRD with one served version whose spec has `size` and `color`. */
export function crdFor(group: string, kind: string, plural: string): RawObject {
  // Sent as raw JSON: the schema uses only keywords spelled the same in client-node's model.
  return crdManifest(group, kind, plural, {
    type: "object",
    properties: { size: { type: "integer" }, color: { type: "string" } },
  }) as unknown as RawObject;
}

/** The LiveSynchronization entry replicating `kind` (with its transformation, if any). */
export function replicated(kind: Kind, filters: ResourceFilters): ReplicatedResource {
  return {
    ...(kind.group ? { group: kind.group } : {}),
    version: kind.version,
    resource: kind.resource,
    ...(kind.transformation ? { transformation: { patch: kind.transformation } } : {}),
    filters,
  };
}

/** One cluster, spoken to in raw JSON (no client-node models: no Dates, no dropped fields). */
export class Api {
  private constructor(
    readonly cluster: string,
    private readonly rest: KubeRest,
  ) {}

  static async connect(env: TestEnvironment, cluster: string): Promise<Api> {
    return new Api(cluster, await KubeRest.fromKubeConfig(kubeConfigFor(env, cluster)));
  }

  path(kind: Kind, namespace?: string, name?: string): string {
    const base = kind.group ? `/apis/${kind.group}/${kind.version}` : `/api/${kind.version}`;
    const ns = kind.namespaced && namespace ? `/namespaces/${namespace}` : "";
    return `${base}${ns}/${kind.resource}${name ? `/${name}` : ""}`;
  }

  async list(kind: Kind, namespace?: string): Promise<RawObject[]> {
    const list = await this.rest.request<{ items: RawObject[] }>("GET", this.path(kind, namespace));
    return list.items;
  }

  get(kind: Kind, namespace: string | undefined, name: string): Promise<RawObject> {
    return this.rest.request<RawObject>("GET", this.path(kind, namespace, name));
  }

  create(kind: Kind, namespace: string | undefined, body: RawObject): Promise<RawObject> {
    const apiVersion = kind.group ? `${kind.group}/${kind.version}` : kind.version;
    return this.rest.request<RawObject>("POST", this.path(kind, namespace), {
      body: { apiVersion, kind: kind.kind, ...body },
    });
  }

  /** An RFC 6902 patch (what `kubectl set image` or `kubectl label` amount to). */
  patch(
    kind: Kind,
    namespace: string | undefined,
    name: string,
    ops: PatchOperation[],
  ): Promise<RawObject> {
    return this.rest.request<RawObject>("PATCH", this.path(kind, namespace, name), {
      body: ops,
      contentType: "application/json-patch+json",
    });
  }

  async delete(kind: Kind, namespace: string | undefined, name: string): Promise<void> {
    await this.rest.request("DELETE", this.path(kind, namespace, name), {
      body: { kind: "DeleteOptions", apiVersion: "v1", propagationPolicy: "Background" },
    });
  }

  async createNamespace(name: string, labels: Record<string, string> = {}): Promise<void> {
    await this.rest.request("POST", "/api/v1/namespaces", {
      body: { apiVersion: "v1", kind: "Namespace", metadata: { name, labels } },
    });
  }

  async deleteNamespace(name: string): Promise<void> {
    await this.rest.request("DELETE", `/api/v1/namespaces/${name}`).catch(() => undefined);
  }

  /** Creates the CRD and waits until it is Established and its resource is served. */
  async establish(crd: RawObject): Promise<void> {
    await this.create(CRDS, undefined, crd);
    const spec = crd.spec as { group: string; names: { plural: string } };
    await eventually(
      async () => {
        const live = await this.get(CRDS, undefined, crd.metadata.name);
        const conditions = (live.status as { conditions?: { type: string; status: string }[] })
          ?.conditions;
        if (!conditions?.some((c) => c.type === "Established" && c.status === "True")) return;
        await this.rest.request("GET", `/apis/${spec.group}/v1/${spec.names.plural}`);
        return true;
      },
      { what: `CRD ${crd.metadata.name} to be served by ${this.cluster}` },
    );
  }

  async deleteCrd(name: string): Promise<void> {
    await this.delete(CRDS, undefined, name).catch(() => undefined);
  }

  close(): void {
    this.rest.close();
  }
}

/** `value` at a dotted path; `name[]` maps the rest of the path over a list. */
export function valueAt(value: unknown, path: string): unknown {
  const [part, ...rest] = path.split(".");
  if (part === undefined || part === "") return value;
  const overList = part.endsWith("[]");
  const field = overList ? part.slice(0, -2) : part;
  const v =
    value !== null && typeof value === "object"
      ? (value as Record<string, unknown>)[field]
      : undefined;
  if (!overList) return valueAt(v, rest.join("."));
  return Array.isArray(v) ? v.map((x) => valueAt(x, rest.join("."))) : undefined;
}

/** JSON with sorted keys: equal values print equally. */
function canonical(v: unknown): string {
  if (v === undefined) return "(absent)";
  return JSON.stringify(v, (_k, x: unknown) =>
    x && typeof x === "object" && !Array.isArray(x)
      ? Object.fromEntries(Object.entries(x).sort(([a], [b]) => a.localeCompare(b)))
      : x,
  );
}

/** Labels and annotations a user set: without livesync's marks and controllers' additions. */
function userMetadata(o: RawObject) {
  const keep = (m: Record<string, string> | undefined, drop: string[]) => {
    const kept = Object.entries(m ?? {}).filter(
      ([k]) => !k.startsWith("livesync.dev/") && !drop.includes(k),
    );
    return kept.length ? Object.fromEntries(kept) : undefined;
  };
  return {
    "metadata.labels": keep(o.metadata.labels, []),
    "metadata.annotations": keep(o.metadata.annotations, CONTROLLER_ANNOTATIONS),
  };
}

/** The compared fields of a source object after the transformation, or of a copy as it is. */
function projection(kind: Kind, o: RawObject, transform: boolean): Record<string, unknown> {
  const fields: Record<string, unknown> = userMetadata(o);
  for (const f of kind.fields) fields[f] = valueAt(o, f);
  if (transform) Object.assign(fields, kind.transformed ?? {});
  return fields;
}

export interface Scope {
  /** The LiveSynchronization ("livesync-system/<name>") that must own every copy. */
  liveSync: string;
  namespace?: string;
  /** Only these names (cluster-scoped kinds: the test's own objects). */
  names?: (name: string) => boolean;
}

/**
 * Everything in which the destination differs from the transformed source for `kind` in
 * `scope`, one line per object and field; empty when they agree. A copy must exist for every
 * source object and no copy for anything else; it must record the source's uid (re-creations)
 * and current resourceVersion, and its compared fields must equal the transformed source's.
 */
export async function differences(src: Api, dst: Api, kind: Kind, scope: Scope): Promise<string[]> {
  const selected = (o: RawObject) =>
    !kind.ignored?.includes(o.metadata.name) && (scope.names?.(o.metadata.name) ?? true);
  const byName = (items: RawObject[]) =>
    new Map(items.filter(selected).map((o) => [o.metadata.name, o]));
  const [sources, targets] = await Promise.all([
    src.list(kind, scope.namespace).then(byName),
    dst.list(kind, scope.namespace).then(byName),
  ]);
  const out: string[] = [];
  const names = [...new Set([...sources.keys(), ...targets.keys()])].sort(naturally);
  for (const name of names) {
    const s = sources.get(name);
    const d = targets.get(name);
    const id = `${kind.kind} ${scope.namespace ? `${scope.namespace}/` : ""}${name}`;
    const marks = d?.metadata.annotations ?? {};
    if (!d) {
      out.push(`${id}: missing in the destination`);
      continue;
    }
    if (!s) {
      // Someone else's object of that name is none of our business; a copy must go.
      if (marks[MARK.liveSync] !== undefined)
        out.push(`${id}: deleted in the source, copy still in the destination`);
      continue;
    }
    if (marks[MARK.liveSync] !== scope.liveSync) {
      out.push(`${id}: not a copy owned by ${scope.liveSync} (owner: ${marks[MARK.liveSync]})`);
      continue;
    }
    if (d.metadata.deletionTimestamp) out.push(`${id}: copy is being deleted`);
    if (marks[MARK.sourceUid] !== s.metadata.uid) {
      out.push(
        `${id}: copy of source uid ${marks[MARK.sourceUid]}, the source's uid is ${s.metadata.uid} (re-created)`,
      );
    }
    if (marks[MARK.sourceResourceVersion] !== s.metadata.resourceVersion) {
      out.push(
        `${id}: copy records source resourceVersion ${marks[MARK.sourceResourceVersion]}, the source is at ${s.metadata.resourceVersion}`,
      );
    }
    const want = projection(kind, s, true);
    const have = projection(kind, d, false);
    for (const field of Object.keys(want)) {
      for (const diff of fieldDiffs(field, have[field], want[field])) out.push(`${id}: ${diff}`);
    }
  }
  return out;
}

const isMap = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === "object" && !Array.isArray(v);

/** Where `have` differs from `want`, down to the innermost differing fields. */
function fieldDiffs(path: string, have: unknown, want: unknown): string[] {
  if (canonical(have) === canonical(want)) return [];
  if (isMap(have) && isMap(want)) {
    const keys = [...new Set([...Object.keys(want), ...Object.keys(have)])].sort();
    return keys.flatMap((k) => fieldDiffs(`${path}.${k}`, have[k], want[k]));
  }
  if (Array.isArray(have) && Array.isArray(want) && have.length === want.length) {
    return want.flatMap((w, i) => fieldDiffs(`${path}[${i}]`, have[i], w));
  }
  return [`${path} is ${canonical(have)}, expected ${canonical(want)}`];
}

/** "d2" before "d10". */
const naturally = (a: string, b: string) => a.localeCompare(b, "en", { numeric: true });

/** The engine's status of the LiveSynchronization `key` ("livesync-system/<name>"). */
export async function statusOf(engine: Engine, key: string): Promise<LiveSyncStatus> {
  const status = (await engine.status()).find((s) => s.liveSync === key);
  if (!status) throw new Error(`no status for ${key}`);
  return status;
}

export const liveSyncKey = (name: string) => `${LS_NAMESPACE}/${name}`;

const brief = (s: LiveSyncStatus) =>
  `status ${s.state}: synced=${s.synced} failed=${s.failed} conflicts=${s.conflicts} pending=${s.pending}` +
  (s.problems.length ? `; problems: ${s.problems.join(" | ")}` : "");

/**
 * Waits until `check` finds no difference; returns how long that took. On timeout the error
 * lists every remaining difference (the first 60) and the engine's status.
 */
export async function converge(
  what: string,
  check: () => Promise<string[]>,
  { timeoutMs, engine, liveSync }: { timeoutMs: number; engine: Engine; liveSync: string },
): Promise<number> {
  const started = Date.now();
  let last: string[] = ["(not compared yet)"];
  let status = "";
  await eventually(
    async () => {
      last = await check();
      if (last.length === 0) return true;
      status = brief(await statusOf(engine, liveSync));
      return undefined;
    },
    {
      timeoutMs,
      intervalMs: 500,
      what: () =>
        `${what}; ${last.length} difference(s) remain:\n  ${last.slice(0, 60).join("\n  ")}` +
        (last.length > 60 ? `\n  … and ${last.length - 60} more` : "") +
        `\n  ${status}`,
    },
  );
  return Date.now() - started;
}

/** Asserts the engine reports no object failed for good. */
export async function expectNoFailures(engine: Engine, liveSync: string): Promise<void> {
  const s = await statusOf(engine, liveSync);
  if (s.failed !== 0) throw new Error(`expected failed=0, ${brief(s)}`);
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
