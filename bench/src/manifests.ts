import { readFileSync } from "node:fs";
import type { ReplicatedResource } from "@livesync/api";
import type { EngineManifests } from "@livesync/cli";
import type { TestEnvironment } from "@livesync/testkit";

/** A LiveSynchronization from the testenv's source to its destination, as `livesync run` gets it. */
export function manifestsForEnv(
  env: TestEnvironment,
  name: string,
  resources: ReplicatedResource[],
): EngineManifests {
  const ns = "livesync-bench";
  const secret = (n: string, file: string) => ({
    apiVersion: "v1" as const,
    kind: "Secret" as const,
    metadata: { name: n, namespace: ns },
    stringData: { "kubeconfig.yaml": readFileSync(file, "utf8") },
  });
  const src = env.clusters.source!;
  return {
    secrets: [
      secret("source", src.readOnlyKubeconfig ?? src.kubeconfig),
      secret("destination", env.clusters.destination!.kubeconfig),
    ],
    buckets: [],
    clusters: ["source", "destination"].map((n) => ({
      apiVersion: "assets.livesync.dev/v1alpha1" as const,
      kind: "KubernetesCluster" as const,
      metadata: { name: n, namespace: ns },
      spec: { secretName: n },
    })),
    liveSyncs: [
      {
        apiVersion: "automation.livesync.dev/v1alpha1",
        kind: "LiveSynchronization",
        metadata: { name, namespace: ns },
        spec: {
          plugin: "kubernetes-objects-to-kubernetes",
          config: {
            sourceName: "source",
            destinationName: "destination",
            replication: { resources },
          },
        },
      },
    ],
  };
}
