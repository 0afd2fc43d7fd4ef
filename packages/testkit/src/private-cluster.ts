// A kube-apiserver of one test's own, on an etcd of its own: for a test that does what the
// shared clusters must never see, such as deleting the livesync CRDs (which deletes every
// livesync object of every other test in that cluster). Started in about ten seconds.

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ensureBinaries } from "./binaries.js";
import { startEtcd } from "./components/etcd.js";
import { startCluster } from "./components/kube.js";
import type { ClusterEndpoint } from "./env.js";
import { ProcessRegistry } from "./process.js";

export interface PrivateCluster extends ClusterEndpoint {
  /** Stops the apiserver and its etcd and removes their files. */
  stop(): Promise<void>;
}

export async function startPrivateCluster(name: string): Promise<PrivateCluster> {
  const bins = ensureBinaries({ prometheus: false });
  const dir = mkdtempSync(join(tmpdir(), `livesync-${name}-`));
  const registry = new ProcessRegistry(join(dir, "pids"));
  const stop = async () => {
    await registry.stopAll();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const etcd = await startEtcd(registry, bins.etcd, join(dir, "etcd"));
    const { endpoint } = await startCluster(registry, {
      name,
      dir: join(dir, name),
      etcdUrl: etcd.url,
      apiserverBinary: bins.kubeApiserver,
    });
    return { ...endpoint, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
