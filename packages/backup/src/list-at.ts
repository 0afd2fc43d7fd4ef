// Listing one resource as it was at one etcd revision: the first page asks for
// resourceVersion=R&resourceVersionMatch=Exact, the next pages carry the continue token (which
// holds R). Without R the list is a fresh, consistent read whose resourceVersion becomes R.

import { groupVersion, type KubeObject } from "@livesync/api";
import {
  collectionPath,
  isTransient,
  KubeApiError,
  type KubeRest,
  type ResourceInfo,
  type Query,
} from "@livesync/kube";

export const PAGE_SIZE = 500;

export interface ListAtOptions {
  /** The revision to list at; undefined lists the newest state. */
  resourceVersion?: string;
  namespace?: string;
  pageSize?: number;
  /** Objects whose "<namespace>/<name>" sorts at or before this are dropped (resuming). */
  after?: string;
  signal?: AbortSignal;
}

interface ListPage {
  items: KubeObject[] | null;
  metadata: { resourceVersion: string; continue?: string; remainingItemCount?: number };
}

/** The query of one page: the revision on the first page only (continue tokens carry it). */
export function pageQuery(
  opts: Pick<ListAtOptions, "resourceVersion" | "pageSize">,
  continueToken: string | undefined,
): Query {
  if (continueToken) return { limit: opts.pageSize ?? PAGE_SIZE, continue: continueToken };
  return {
    limit: opts.pageSize ?? PAGE_SIZE,
    resourceVersion: opts.resourceVersion,
    resourceVersionMatch: opts.resourceVersion === undefined ? undefined : "Exact",
  };
}

/** The revision is gone from etcd's history (compacted): 410 Gone / "too old resource version". */
export function isCompacted(err: unknown): boolean {
  if (!(err instanceof KubeApiError)) return false;
  return err.status === 410 || /too old resource version|compacted/i.test(err.message);
}

/** "<namespace>/<name>": lists come back in this order (etcd key order), which resuming uses. */
export const listKey = (obj: KubeObject) => `${obj.metadata.namespace ?? ""}/${obj.metadata.name}`;

/**
 * Lists every page, handing each over before fetching the next (memory stays at one page), and
 * returns the list's resourceVersion. A transient failure of a page is retried a few times;
 * anything else throws (the caller decides between restarting, falling back and failing).
 */
export async function listAt(
  rest: KubeRest,
  info: ResourceInfo,
  opts: ListAtOptions,
  onPage: (items: KubeObject[], listResourceVersion: string) => Promise<void>,
): Promise<string> {
  const apiVersion = groupVersion(info);
  let continueToken: string | undefined;
  let resourceVersion = "";
  do {
    const page = await withRetries(() =>
      rest.request<ListPage>("GET", collectionPath(info, opts.namespace), {
        query: pageQuery(opts, continueToken),
        signal: opts.signal,
      }),
    );
    resourceVersion = page.metadata.resourceVersion;
    // List items carry no apiVersion/kind; put them back so objects are self-describing.
    const items = (page.items ?? [])
      .filter((o) => opts.after === undefined || listKey(o) > opts.after)
      .map((o) => ({ ...o, apiVersion, kind: info.kind }));
    await onPage(items, resourceVersion);
    continueToken = page.metadata.continue || undefined;
  } while (continueToken);
  return resourceVersion;
}

/** How many objects a resource holds at the revision (one small page), undefined if unknown. */
export async function countAt(
  rest: KubeRest,
  info: ResourceInfo,
  opts: Pick<ListAtOptions, "resourceVersion" | "namespace">,
): Promise<number | undefined> {
  try {
    const page = await rest.request<ListPage>("GET", collectionPath(info, opts.namespace), {
      query: pageQuery({ ...opts, pageSize: 1 }, undefined),
    });
    return (page.items?.length ?? 0) + (page.metadata.remainingItemCount ?? 0);
  } catch {
    return undefined;
  }
}

async function withRetries<T>(fn: () => Promise<T>, attempts = 4): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await fn();
    } catch (err) {
      if (i >= attempts || !isTransient(err)) throw err;
      await new Promise((r) => setTimeout(r, 250 * 2 ** i));
    }
  }
}
