// installCrds: puts the livesync CustomResourceDefinitions (deploy/crds) into a cluster, e.g. the
// management cluster of a test or benchmark. The CRDs go as raw JSON over REST: client-node's
// typed ApiextensionsV1Api drops enum, default and x-kubernetes-* keys of the schemas.
// Create, or replace what is there (409: PUT with its resourceVersion), then wait until each
// one is Established, so objects of its kind can be created.

import { readFileSync, readdirSync } from "node:fs";
import { isConflict, isTransient, type Cluster } from "@livesync/kube";
import { parse } from "yaml";

/** The repository's generated CRDs. */
export const CRDS_DIR = new URL("../../../deploy/crds/", import.meta.url);
const CRDS_PATH = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions";

export interface CrdManifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; resourceVersion?: string; [k: string]: unknown };
  spec: Record<string, unknown>;
  status?: { conditions?: { type: string; status: string }[] };
}

export interface InstallCrdsOptions {
  /** Per CRD: applying it, then waiting for Established (default 60 s each). */
  timeoutMs?: number;
}

/** The CRDs of a directory: every *.yaml but kustomization.yaml, by file name. */
export function readCrds(dir: URL = CRDS_DIR): CrdManifest[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith(".yaml") && f !== "kustomization.yaml")
    .sort()
    .map((f) => parse(readFileSync(new URL(f, dir), "utf8")) as CrdManifest);
}

export const isEstablished = (crd: CrdManifest) =>
  crd.status?.conditions?.some((c) => c.type === "Established" && c.status === "True") ?? false;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function installCrds(cluster: Cluster, opts: InstallCrdsOptions = {}): Promise<void> {
  await Promise.all(readCrds().map((crd) => installCrd(cluster, crd, opts.timeoutMs ?? 60_000)));
}

async function installCrd(cluster: Cluster, crd: CrdManifest, timeoutMs: number): Promise<void> {
  const { rest } = cluster;
  const path = `${CRDS_PATH}/${crd.metadata.name}`;
  let deadline = Date.now() + timeoutMs;
  // Conflicts (someone else creating or updating it at the same time) and transient failures
  // are retried; anything else (invalid, forbidden) fails at once.
  for (;;) {
    try {
      try {
        await rest.request("POST", CRDS_PATH, { body: crd });
      } catch (err) {
        if (!isConflict(err)) throw err;
        const existing = await rest.request<CrdManifest>("GET", path);
        await rest.request("PUT", path, {
          body: {
            ...crd,
            metadata: { ...crd.metadata, resourceVersion: existing.metadata.resourceVersion },
          },
        });
      }
      break;
    } catch (err) {
      if (!(isConflict(err) || isTransient(err)) || Date.now() > deadline) throw err;
      await sleep(200);
    }
  }
  deadline = Date.now() + timeoutMs;
  for (;;) {
    const current = await rest.request<CrdManifest>("GET", path).catch((err: unknown) => {
      if (isTransient(err) && Date.now() < deadline) return undefined;
      throw err;
    });
    if (current && isEstablished(current)) return;
    if (Date.now() > deadline)
      throw new Error(`CRD ${crd.metadata.name} not Established after ${timeoutMs} ms`);
    await sleep(100);
  }
}
