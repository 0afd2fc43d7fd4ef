// Set-up shared by the backup tests: the source cluster as the backup reads it (read-only
// credentials: a backup never writes) and as the tests write it (admin).

import { readFileSync } from "node:fs";
import { AppsV1Api, CoreV1Api, RbacAuthorizationV1Api } from "@kubernetes/client-node";
import type { TestEnvironment } from "@livesync/testkit";
import { freshNamespace, kubeConfigFor } from "@livesync/testkit";
import { Cluster } from "@livesync/kube";

export function sourceFor(env: TestEnvironment) {
  const kc = kubeConfigFor(env, "source");
  return {
    kc,
    core: kc.makeApiClient(CoreV1Api),
    apps: kc.makeApiClient(AppsV1Api),
    rbac: kc.makeApiClient(RbacAuthorizationV1Api),
  };
}

/** The source with the read-only user's credentials. */
export function readOnlySource(env: TestEnvironment): Promise<Cluster> {
  const file = env.clusters.source!.readOnlyKubeconfig ?? env.clusters.source!.kubeconfig;
  return Cluster.fromKubeConfigYaml("source", readFileSync(file, "utf8"));
}

/** Namespaces created by a test file, removed after it. */
export class Namespaces {
  private removers: (() => Promise<void>)[] = [];
  constructor(private readonly env: TestEnvironment) {}

  async create(prefix: string, labels: Record<string, string> = {}): Promise<string> {
    const ns = await freshNamespace(kubeConfigFor(this.env, "source"), prefix, labels);
    this.removers.push(ns.remove);
    return ns.name;
  }

  async removeAll(): Promise<void> {
    await Promise.all(this.removers.map((r) => r()));
  }
}

/** Creates `count` ConfigMaps named `<prefix>-<i>` in `namespace`, `concurrency` at a time. */
export async function createConfigMaps(
  core: CoreV1Api,
  namespace: string,
  count: number,
  opts: { prefix?: string; data?: Record<string, string>; concurrency?: number } = {},
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      await core.createNamespacedConfigMap({
        namespace,
        body: {
          metadata: { name: `${opts.prefix ?? "cm"}-${i}` },
          data: opts.data ?? { i: String(i) },
        },
      });
    }
  };
  await Promise.all(Array.from({ length: opts.concurrency ?? 16 }, worker));
}
