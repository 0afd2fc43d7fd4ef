/**
 * Fixtures for tests and benchmarks that run livesync against the testkit's environment: the
 * manifests a user would apply to a management cluster (Secrets with kubeconfigs — the source
 * one read-only —, KubernetesClusters, a Bucket on the testenv's S3, LiveSynchronizations).
 * Exported as `@livesync/engine/testing`; production code never imports it (eslint keeps it so).
 */
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { CoreV1Api } from "@kubernetes/client-node";
import type { LiveSynchronization, ReplicatedResource } from "@livesync/api";
import { kubeConfigFor, type TestEnvironment } from "@livesync/testkit";
import { Engine, type EngineManifests, type EngineOptions } from "./engine.js";

export const LS_NAMESPACE = "livesync-system";
/** The Bucket CR every LiveSynchronization with `bucket: true` archives to. */
export const BUCKET_NAME = "archive";

export const uniq = (prefix: string) => `${prefix}-${randomBytes(3).toString("hex")}`;

export interface LiveSyncFixture {
  name: string;
  resources: ReplicatedResource[];
  suspend?: boolean;
  bucket?: boolean;
}

export function liveSyncFor(f: LiveSyncFixture): LiveSynchronization {
  return {
    apiVersion: "automation.livesync.dev/v1alpha1",
    kind: "LiveSynchronization",
    metadata: { name: f.name, namespace: LS_NAMESPACE, uid: randomBytes(8).toString("hex") },
    spec: {
      suspend: f.suspend ?? false,
      plugin: "kubernetes-objects-to-kubernetes",
      config: {
        sourceName: "source",
        destinationName: "destination",
        ...(f.bucket ? { bucketName: BUCKET_NAME } : {}),
        observability: { enabled: false },
        replication: { resources: f.resources },
      },
    },
  };
}

/** Manifests for the given LiveSynchronizations (fixtures or ready objects). */
export function manifestsFor(
  env: TestEnvironment,
  liveSyncs: (LiveSyncFixture | LiveSynchronization)[],
): EngineManifests {
  const source = env.clusters.source!;
  const destination = env.clusters.destination!;
  const secret = (name: string, stringData: Record<string, string>) => ({
    apiVersion: "v1" as const,
    kind: "Secret" as const,
    metadata: { name, namespace: LS_NAMESPACE },
    stringData,
  });
  const kubeconfig = (file: string) => ({ "kubeconfig.yaml": readFileSync(file, "utf8") });
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
        metadata: { name: BUCKET_NAME, namespace: LS_NAMESPACE },
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
      secret("bucket-credentials", {
        accessKeyID: env.s3.accessKeyID,
        secretAccessKey: env.s3.secretAccessKey,
      }),
      secret("source", kubeconfig(source.readOnlyKubeconfig ?? source.kubeconfig)),
      secret("destination", kubeconfig(destination.kubeconfig)),
    ],
    clusters: [cluster("source"), cluster("destination")],
    liveSyncs: liveSyncs.map((ls) => ("kind" in ls ? ls : liveSyncFor(ls))),
  };
}

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

/**
 * What an end-to-end test file starts against the testenv and must clean up: the Engine of the
 * running test (`stopEngine` after each) and the uniquely named namespaces it created
 * (`removeNamespaces` after all, from both clusters, since the copies land in the destination).
 */
export class EngineTestbed {
  readonly srcCore: CoreV1Api;
  readonly dstCore: CoreV1Api;
  private engine: Engine | undefined;
  private readonly namespaces: string[] = [];

  constructor(
    private readonly env: TestEnvironment,
    private readonly prefix: string,
  ) {
    this.srcCore = kubeConfigFor(env, "source").makeApiClient(CoreV1Api);
    this.dstCore = kubeConfigFor(env, "destination").makeApiClient(CoreV1Api);
  }

  /** Starts the Engine for the given LiveSynchronizations; `stopEngine` stops it. */
  async start(
    liveSyncs: (LiveSyncFixture | LiveSynchronization)[],
    options?: EngineOptions,
  ): Promise<Engine> {
    this.engine = await Engine.start(manifestsFor(this.env, liveSyncs), options);
    return this.engine;
  }

  async stopEngine(): Promise<void> {
    await this.engine?.stop();
    this.engine = undefined;
  }

  /** Creates a source namespace (a fresh name unless given), removed by `removeNamespaces`. */
  async namespace(labels: Record<string, string> = {}, name = uniq(this.prefix)): Promise<string> {
    await this.srcCore.createNamespace({ body: { metadata: { name, labels } } });
    this.track(name);
    return name;
  }

  /** Has `removeNamespaces` delete a namespace the test created itself. */
  track(name: string): void {
    this.namespaces.push(name);
  }

  async removeNamespaces(): Promise<void> {
    for (const name of this.namespaces)
      for (const core of [this.srcCore, this.dstCore])
        await core.deleteNamespace({ name }).catch(() => undefined);
  }
}
