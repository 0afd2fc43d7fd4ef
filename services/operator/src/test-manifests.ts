// Manifests for the unit tests of the reference checks (Backups, Restores), all in namespace
// "ns": a cluster "src" with its kubeconfig Secret, a cluster "nosecret" whose Secret is
// missing, a bucket "store" with its credentials and a bucket "halfstore" with half of them.

import type { EngineManifests } from "@livesync/engine";

const meta = (name: string) => ({ name, namespace: "ns" });
export const REFERENCE_MANIFESTS: EngineManifests = {
  secrets: [
    {
      apiVersion: "v1",
      kind: "Secret",
      metadata: meta("kc"),
      stringData: { "kubeconfig.yaml": "x" },
    },
    {
      apiVersion: "v1",
      kind: "Secret",
      metadata: meta("s3"),
      stringData: { accessKeyID: "a", secretAccessKey: "b" },
    },
    { apiVersion: "v1", kind: "Secret", metadata: meta("half"), stringData: { accessKeyID: "a" } },
  ],
  clusters: [
    {
      apiVersion: "assets.livesync.dev/v1alpha1",
      kind: "KubernetesCluster",
      metadata: meta("src"),
      spec: { secretName: "kc" },
    },
    {
      apiVersion: "assets.livesync.dev/v1alpha1",
      kind: "KubernetesCluster",
      metadata: meta("nosecret"),
      spec: { secretName: "missing" },
    },
  ],
  buckets: [
    {
      apiVersion: "assets.livesync.dev/v1alpha1",
      kind: "Bucket",
      metadata: meta("store"),
      spec: { secretName: "s3", generic: { endpoint: "h:1", name: "b" } },
    },
    {
      apiVersion: "assets.livesync.dev/v1alpha1",
      kind: "Bucket",
      metadata: meta("halfstore"),
      spec: { secretName: "half", generic: { endpoint: "h:1", name: "b" } },
    },
  ],
  liveSyncs: [],
};
