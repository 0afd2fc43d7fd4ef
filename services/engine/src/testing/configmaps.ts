/**
 * ConfigMaps under change and the checks that replication kept up, for the outage tests and
 * the soak: a population of ConfigMaps that creates, updates and deletes at random, and the
 * comparison of the destination (object by object, transformed) and of the bucket (the
 * sanitised original, or a tombstone for a deleted one) with the source.
 */
import { GetObjectCommand, ListObjectsV2Command, type S3Client } from "@aws-sdk/client-s3";
import { canonicalJson } from "@livesync/api";
import { decodeArchiveEntry, sanitize, type KubeObject } from "@livesync/core";
import type { KubeRest } from "@livesync/kube";

/** The label every soak/outage ConfigMap carries; the transformation rewrites it in copies. */
export const CHURN_LABEL = "livesync.test/churn";
/** What the LiveSynchronization's transformation makes of the label in every copy. */
export const TRANSFORMED_LABEL_VALUE = "replica";

/** The replicated resource: ConfigMaps with the label, the label's value replaced in copies. */
export const churnedConfigMaps = (namespaceLabels: Record<string, string>) => ({
  version: "v1",
  resource: "configmaps",
  transformation: {
    patch: [
      {
        op: "replace" as const,
        path: `/metadata/labels/${CHURN_LABEL.replace("/", "~1")}`,
        value: TRANSFORMED_LABEL_VALUE,
      },
    ],
  },
  filters: {
    namespaceSelector: { matchLabels: namespaceLabels },
    labelSelector: { matchExpressions: [{ key: CHURN_LABEL, operator: "Exists" as const }] },
  },
});

export interface ChurnCounts {
  created: number;
  updated: number;
  deleted: number;
  /** Requests the source refused or could not answer (it may be the fault under test). */
  errors: number;
}

/**
 * A population of ConfigMaps across namespaces that one `step()` changes at random: a create
 * when below the target size, otherwise an update (2 in 3) or a delete. Names are never reused,
 * so a deleted object must stay deleted in the destination and as a tombstone in the bucket.
 */
export class ConfigMapChurn {
  readonly live = new Map<string, { namespace: string; name: string }>();
  readonly deleted = new Set<string>();
  readonly counts: ChurnCounts = { created: 0, updated: 0, deleted: 0, errors: 0 };
  private serial = 0;

  constructor(
    private readonly source: KubeRest,
    private readonly namespaces: string[],
    private readonly target: number,
  ) {}

  private path(namespace: string, name?: string) {
    return `/api/v1/namespaces/${namespace}/configmaps${name ? `/${name}` : ""}`;
  }

  /** Creates objects up to the target size, `concurrency` requests at a time. */
  async seed(concurrency = 16): Promise<void> {
    const missing = this.target - this.live.size;
    let left = missing;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (left-- > 0) await this.create();
      }),
    );
  }

  async step(): Promise<void> {
    try {
      if (this.live.size < this.target) return await this.create();
      const keys = [...this.live.keys()];
      const key = keys[Math.floor(Math.random() * keys.length)]!;
      if (Math.random() < 2 / 3) await this.update(key);
      else await this.remove(key);
    } catch {
      this.counts.errors++;
    }
  }

  async create(): Promise<void> {
    const namespace = this.namespaces[this.serial % this.namespaces.length]!;
    const name = `cm-${(this.serial++).toString(36)}`;
    await this.source.request("POST", this.path(namespace), {
      body: {
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: { name, namespace, labels: { [CHURN_LABEL]: "source" } },
        data: { version: "0" },
      },
    });
    this.live.set(`${namespace}/${name}`, { namespace, name });
    this.counts.created++;
  }

  async update(key: string): Promise<void> {
    const { namespace, name } = this.live.get(key)!;
    await this.source.request("PATCH", this.path(namespace, name), {
      body: { data: { version: String(Date.now()) } },
      contentType: "application/merge-patch+json",
    });
    this.counts.updated++;
  }

  async remove(key: string): Promise<void> {
    const { namespace, name } = this.live.get(key)!;
    // Gone from the population first: an update racing it must not find it.
    this.live.delete(key);
    await this.source.request("DELETE", this.path(namespace, name)).catch((err: unknown) => {
      this.live.set(key, { namespace, name });
      throw err;
    });
    this.deleted.add(key);
    this.counts.deleted++;
  }
}

/** Every labelled ConfigMap of the namespaces, by "namespace/name". */
export async function listChurned(
  rest: KubeRest,
  namespaces: string[],
): Promise<Map<string, KubeObject>> {
  const out = new Map<string, KubeObject>();
  for (const ns of namespaces) {
    const list = await rest.request<{ items: KubeObject[] }>(
      "GET",
      `/api/v1/namespaces/${ns}/configmaps`,
      { query: { labelSelector: CHURN_LABEL } },
    );
    for (const o of list.items) out.set(`${ns}/${o.metadata.name}`, o);
  }
  return out;
}

export interface Comparison {
  /** Source objects compared. */
  compared: number;
  /** In the source, not (or not current) in the destination. */
  lost: string[];
  /** Deleted in the source, still (or again) in the destination. */
  resurrected: string[];
  /** Present but different from the transformed source (a late or missed update). */
  different: string[];
}

export const agrees = (c: Comparison) =>
  c.lost.length + c.resurrected.length + c.different.length === 0;

/** The destination against the transformed source, object by object. */
export async function compareDestination(
  source: KubeRest,
  destination: KubeRest,
  namespaces: string[],
  liveSync: string,
): Promise<Comparison> {
  const [src, dst] = await Promise.all([
    listChurned(source, namespaces),
    listChurned(destination, namespaces),
  ]);
  const c: Comparison = { compared: src.size, lost: [], resurrected: [], different: [] };
  for (const [key, s] of src) {
    const d = dst.get(key);
    if (!d) {
      c.lost.push(key);
      continue;
    }
    const a = d.metadata.annotations ?? {};
    const labels = d.metadata.labels ?? {};
    const why = [
      a["livesync.dev/live-synchronization"] !== liveSync && "not owned",
      a["livesync.dev/source-uid"] !== s.metadata.uid && "other source uid",
      a["livesync.dev/source-resource-version"] !== s.metadata.resourceVersion &&
        `source rv ${a["livesync.dev/source-resource-version"]}, source at ${s.metadata.resourceVersion}`,
      canonicalJson(d.data ?? {}) !== canonicalJson(s.data ?? {}) && "data",
      labels[CHURN_LABEL] !== TRANSFORMED_LABEL_VALUE && "not transformed",
    ].filter(Boolean);
    if (why.length) c.different.push(`${key}: ${why.join(", ")}`);
  }
  for (const key of dst.keys()) if (!src.has(key)) c.resurrected.push(key);
  return c;
}

/**
 * The bucket against the source: for every source object the sanitised original at its
 * current resourceVersion, for every deleted one (`deleted`) a tombstone.
 */
export async function compareBucket(
  s3: S3Client,
  bucket: string,
  prefix: string,
  source: KubeRest,
  namespaces: string[],
  deleted: Iterable<string>,
): Promise<Comparison> {
  const src = await listChurned(source, namespaces);
  const folder = `${prefix}core-v1-configmaps/`;
  const stored = new Set<string>();
  for (const ns of namespaces) {
    for (const k of await listKeys(s3, bucket, `${folder}${ns}.`)) stored.add(k);
  }
  const keyOf = (k: string) => `${folder}${k.replace("/", ".")}`;
  const read = async (key: string) => {
    const res = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return decodeArchiveEntry(await res.Body!.transformToString());
  };
  const gone = [...deleted].filter((k) => !src.has(k));
  const c: Comparison = {
    compared: src.size + gone.length,
    lost: [],
    resurrected: [],
    different: [],
  };
  await inPool([...src], async ([k, s]) => {
    if (!stored.has(keyOf(k))) return void c.lost.push(k);
    const entry = await read(keyOf(k));
    if (entry.kind !== "object") return void c.resurrected.push(`${k}: tombstone, source lives`);
    const expected = sanitize(
      { ...s, apiVersion: "v1", kind: "ConfigMap" },
      { group: "", version: "v1", resource: "configmaps" },
    );
    const want = "object" in expected ? canonicalJson(expected.object) : "(not replicated)";
    if (canonicalJson(entry.original) !== want) c.different.push(`${k}: original differs`);
  });
  await inPool(gone, async (k) => {
    if (!stored.has(keyOf(k))) return; // deleted before the archiver saw it: nothing to keep
    const entry = await read(keyOf(k));
    if (entry.kind !== "tombstone") c.resurrected.push(`${k}: deleted, the bucket has the object`);
  });
  return c;
}

/** `fn` over `items`, 32 at a time (the S3 client queues, and warns, beyond its sockets). */
async function inPool<T>(items: T[], fn: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: 32 }, async () => {
      while (next < items.length) await fn(items[next++]!);
    }),
  );
}

async function listKeys(s3: S3Client, bucket: string, prefix: string): Promise<Set<string>> {
  const keys = new Set<string>();
  let token: string | undefined;
  do {
    const page = await s3.send(
      new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }),
    );
    for (const o of page.Contents ?? []) if (o.Key) keys.add(o.Key);
    token = page.NextContinuationToken;
  } while (token);
  return keys;
}
