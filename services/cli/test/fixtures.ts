import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import type { LiveSynchronization, ReplicatedResource } from "@livesync/api";
import type { TestEnvironment } from "@livesync/testkit";
import type { EngineManifests } from "../src/index.js";

export const LS_NAMESPACE = "livesync-system";

/**
 * What a user would apply to a management cluster: Secrets holding kubeconfigs (the source one
 * read-only), KubernetesClusters and the given LiveSynchronizations.
 */
export function manifestsFor(
  env: TestEnvironment,
  liveSyncs: {
    name: string;
    resources: ReplicatedResource[];
    suspend?: boolean;
    bucket?: boolean;
  }[],
): EngineManifests {
  const source = env.clusters.source!;
  const destination = env.clusters.destination!;
  const secret = (name: string, file: string) => ({
    apiVersion: "v1" as const,
    kind: "Secret" as const,
    metadata: { name, namespace: LS_NAMESPACE },
    stringData: { "kubeconfig.yaml": readFileSync(file, "utf8") },
  });
  const cluster = (name: string) => ({
    apiVersion: "assets.livesync.dev/v1alpha1" as const,
    kind: "KubernetesCluster" as const,
    metadata: { name, namespace: LS_NAMESPACE },
    spec: { secretName: name },
  });
  const s3 = new URL(env.s3.endpoint);
  return {
    buckets: [
      {
        apiVersion: "assets.livesync.dev/v1alpha1",
        kind: "Bucket",
        metadata: { name: "archive", namespace: LS_NAMESPACE },
        spec: {
          generic: {
            endpoint: s3.host,
            name: env.s3.bucket,
            useSSL: s3.protocol === "https:",
            region: env.s3.region,
            forcePathStyle: true,
          },
          secretName: "bucket-credentials",
        },
      },
    ],
    secrets: [
      {
        apiVersion: "v1" as const,
        kind: "Secret" as const,
        metadata: { name: "bucket-credentials", namespace: LS_NAMESPACE },
        stringData: { accessKeyID: env.s3.accessKeyID, secretAccessKey: env.s3.secretAccessKey },
      },
      secret("source", source.readOnlyKubeconfig ?? source.kubeconfig),
      secret("destination", destination.kubeconfig),
    ],
    clusters: [cluster("source"), cluster("destination")],
    liveSyncs: liveSyncs.map((ls): LiveSynchronization => ({
      apiVersion: "automation.livesync.dev/v1alpha1",
      kind: "LiveSynchronization",
      metadata: { name: ls.name, namespace: LS_NAMESPACE },
      spec: {
        suspend: ls.suspend ?? false,
        plugin: "kubernetes-objects-to-kubernetes",
        config: {
          sourceName: "source",
          destinationName: "destination",
          ...(ls.bucket ? { bucketName: "archive" } : {}),
          observability: { enabled: false },
          replication: { resources: ls.resources },
        },
      },
    })),
  };
}

export const uniq = (prefix: string) => `${prefix}-${randomBytes(3).toString("hex")}`;

/** A Deployment body with a non-default strategy, so transformations of it can be seen. */
export function deployment(name: string, labels: Record<string, string> = {}, replicas = 3) {
  return {
    metadata: { name, labels },
    spec: {
      replicas,
      strategy: { type: "Recreate" },
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: "app", image: "nginx:1.27" }] },
      },
    },
  };
}
