// A kube-apiserver of one test's own, on an etcd of its own: for a test that does what the
// shared clusters must never see, such as deleting the livesync CRDs (which deletes every
// livesync object of every other test in that cluster), or stopping the apiserver for minutes.
// Started in about ten seconds.

import { join } from "node:path";
import { startEtcd } from "./components/etcd.js";
import { startCluster } from "./components/kube.js";
import type { ClusterEndpoint } from "./env.js";
import { startPrivateRun } from "./private-run.js";

export interface PrivateCluster extends ClusterEndpoint {
  /** Its etcd (client URL): a test may compact it. */
  etcdUrl: string;
  /** Stops the apiserver only: clients meet refused connections, etcd keeps everything. */
  stopApiserver(): Promise<void>;
  /** Starts the apiserver again on the same port and etcd; resolves once it is ready. */
  startApiserver(): Promise<void>;
  /** Stops the apiserver and its etcd and removes their files. */
  stop(): Promise<void>;
}

export function startPrivateCluster(
  name: string,
  opts: { apiserverArgs?: string[] } = {},
): Promise<PrivateCluster> {
  return startPrivateRun(name, async ({ bins, dir, registry }) => {
    const etcd = await startEtcd(registry, bins.etcd, join(dir, "etcd"));
    const { endpoint, apiserver } = await startCluster(registry, {
      name,
      dir: join(dir, name),
      etcdUrl: etcd.url,
      apiserverBinary: bins.kubeApiserver,
      apiserverArgs: opts.apiserverArgs,
    });
    return {
      ...endpoint,
      etcdUrl: etcd.url,
      stopApiserver: apiserver.stop,
      startApiserver: apiserver.start,
    };
  });
}
