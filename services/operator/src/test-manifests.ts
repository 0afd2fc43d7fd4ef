// Manifests for the unit tests of the reference checks (Backups, Restores): in namespace "ns",
// clusters "src" and "dst" with Secret "kc", "nosecret" whose Secret is missing; Bucket "store"
// with its credentials, "halfstore" whose Secret lacks secretAccessKey.

import type { EngineManifests } from "@livesync/engine";

const meta = (name: string) => ({ name, namespace: "ns" });
const cluster = (name: string, secretName: string) => ({
  apiVersion: "assets.livesync.dev/v1alpha1" as const,
  kind: "KubernetesCluster" as const,
  metadata: meta(name),
  spec: { secretName },
});
const bucket = (name: string, secretName: string) => ({
  apiVersion: "assets.livesync.dev/v1alpha1" as const,
  kind: "Bucket" as const,
  metadata: meta(name),
  spec: { secretName, generic: { endpoint: "h:1", name: "b" } },
});
const secret = (name: string, stringData: Record<string, string>) => ({
  apiVersion: "v1" as const,
  kind: "Secret" as const,
  metadata: meta(name),
  stringData,
});

export const TEST_MANIFESTS: EngineManifests = {
  secrets: [
    secret("kc", { "kubeconfig.yaml": "x" }),
    secret("s3", { accessKeyID: "a", secretAccessKey: "b" }),
    secret("half", { accessKeyID: "a" }),
  ],
  clusters: [cluster("src", "kc"), cluster("dst", "kc"), cluster("nosecret", "missing")],
  buckets: [bucket("store", "s3"), bucket("halfstore", "half")],
  liveSyncs: [],
};
