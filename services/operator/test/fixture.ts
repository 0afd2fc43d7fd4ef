/**
 * A management namespace for one operator test: Secrets and KubernetesClusters "source" and
 * "destination" (the source through the read-only user), helpers to create, read and patch
 * livesync objects over REST, and clean-up of everything it made.
 */
import { readFileSync } from "node:fs";
import { connect, createServer, type Socket } from "node:net";
import type { KubeConfig } from "@kubernetes/client-node";
import { eventually, freshNamespace, type TestEnvironment } from "@livesync/testkit";
import { Cluster, KubeApiError } from "@livesync/kube";
import { installCrds, Operator, type OperatorOptions } from "../src/index.js";

export const AUTOMATION = "/apis/automation.livesync.dev/v1alpha1";
export const ASSETS = "/apis/assets.livesync.dev/v1alpha1";
export const BACKUP = "/apis/backup.livesync.dev/v1alpha1";
const BACKUP_PLURALS = ["backups", "backupschedules", "restores"];

export interface Cond {
  type: string;
  status: string;
  reason: string;
  message: string;
}
export interface Obj {
  metadata: {
    name: string;
    generation?: number;
    uid?: string;
    annotations?: Record<string, string>;
  };
  spec?: Record<string, unknown>;
  status?: {
    observedGeneration?: number;
    conditions?: Cond[];
    phase?: string;
    synced?: number;
    resources?: { total: number; succeeded: number; failed: number }[];
    failures?: { name: string; reason: string }[];
  };
}

export const cond = (o: Obj, type: string) => o.status?.conditions?.find((c) => c.type === type);

/** One Deployment-replicating resource entry, limited to namespaces labelled `label=value`. */
export const deploymentsIn = (label: string, value: string) => ({
  group: "apps",
  version: "v1",
  resource: "deployments",
  transformation: { patch: [{ op: "replace", path: "/spec/replicas", value: 0 }] },
  filters: { namespaceSelector: { matchLabels: { [label]: value } } },
  recoveryProcess: { fromPatch: [{ op: "replace", path: "/spec/replicas", value: 1 }] },
});

export class Fixture {
  private readonly cleanups: (() => Promise<unknown>)[] = [];
  private readonly operators: Operator[] = [];
  readonly errors: string[] = [];

  private constructor(
    readonly env: TestEnvironment,
    readonly management: Cluster,
    readonly ns: string,
  ) {}

  /**
   * The livesync CRDs installed in `managementKc`, and a fresh namespace there with the
   * source/destination Secrets and clusters.
   */
  static async create(
    env: TestEnvironment,
    managementKc: KubeConfig,
    prefix: string,
  ): Promise<Fixture> {
    const management = await Cluster.fromKubeConfig("management", managementKc);
    await installCrds(management);
    const namespace = await freshNamespace(managementKc, prefix);
    const f = new Fixture(env, management, namespace.name);
    f.cleanups.push(namespace.remove);
    await f.clusterPair("");
    return f;
  }

  /**
   * A fixture in an existing namespace (the chart's, which its operator watches): nothing is
   * installed, and only what is registered with onCleanup is removed.
   */
  static async inNamespace(env: TestEnvironment, managementKc: KubeConfig, ns: string) {
    return new Fixture(env, await Cluster.fromKubeConfig("management", managementKc), ns);
  }

  /** The source (read-only user) and destination kubeconfigs of the test environment. */
  get kubeconfigs(): { source: string; destination: string } {
    const source = this.env.clusters.source!;
    return {
      source: readFileSync(source.readOnlyKubeconfig ?? source.kubeconfig, "utf8"),
      destination: readFileSync(this.env.clusters.destination!.kubeconfig, "utf8"),
    };
  }

  /**
   * KubernetesClusters `<prefix>source` and `<prefix>destination` (LiveSynchronizations of one
   * namespace may not share them); returns them as LiveSynchronization config.
   */
  async clusterPair(prefix: string): Promise<{ sourceName: string; destinationName: string }> {
    const { source, destination } = this.kubeconfigs;
    await this.addCluster(`${prefix}source`, source);
    await this.addCluster(`${prefix}destination`, destination);
    return { sourceName: `${prefix}source`, destinationName: `${prefix}destination` };
  }

  /** A Secret `name` with `kubeconfig.yaml` and a KubernetesCluster `name` pointing at it. */
  async addCluster(name: string, kubeconfig: string): Promise<void> {
    await this.create(`/api/v1/namespaces/${this.ns}/secrets`, {
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name },
      stringData: { "kubeconfig.yaml": kubeconfig },
    });
    await this.create(this.path("kubernetesclusters"), {
      apiVersion: "assets.livesync.dev/v1alpha1",
      kind: "KubernetesCluster",
      metadata: { name },
      spec: { secretName: name },
    });
  }

  /**
   * A Secret `<name>-credentials` and a Bucket `name` on the test environment's S3 bucket
   * (reached at `endpoint`: pods use the machine's address).
   */
  async addBucket(name: string, endpoint = this.env.s3.endpoint): Promise<void> {
    const { s3 } = this.env;
    await this.create(`/api/v1/namespaces/${this.ns}/secrets`, {
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name: `${name}-credentials` },
      stringData: { accessKeyID: s3.accessKeyID, secretAccessKey: s3.secretAccessKey },
    });
    await this.create(this.path("buckets"), {
      apiVersion: "assets.livesync.dev/v1alpha1",
      kind: "Bucket",
      metadata: { name },
      spec: {
        generic: {
          endpoint: new URL(endpoint).host,
          name: s3.bucket,
          useSSL: false,
          region: s3.region,
          forcePathStyle: true,
        },
        secretName: `${name}-credentials`,
      },
    });
  }

  /** Collection path of a livesync kind in this namespace. */
  path(plural: string, name?: string): string {
    const group =
      plural === "kubernetesclusters" || plural === "buckets"
        ? ASSETS
        : BACKUP_PLURALS.includes(plural)
          ? BACKUP
          : AUTOMATION;
    return `${group}/namespaces/${this.ns}/${plural}${name ? `/${name}` : ""}`;
  }

  /** POST, retried while a just-installed CRD is not served yet (404). */
  create(path: string, body: unknown): Promise<unknown> {
    return eventually(
      async () => {
        try {
          return await this.management.rest.request("POST", path, { body });
        } catch (err) {
          if (err instanceof KubeApiError && err.status === 404) return undefined;
          throw err;
        }
      },
      { timeoutMs: 60_000, what: `POST ${path}` },
    );
  }

  get(path: string): Promise<Obj> {
    return this.management.rest.request<Obj>("GET", path);
  }

  mergePatch(path: string, body: unknown): Promise<Obj> {
    return this.management.rest.request<Obj>("PATCH", path, {
      body,
      contentType: "application/merge-patch+json",
    });
  }

  liveSync(name: string, resources: unknown[], extra: Record<string, unknown> = {}) {
    return this.create(this.path("livesynchronizations"), {
      apiVersion: "automation.livesync.dev/v1alpha1",
      kind: "LiveSynchronization",
      metadata: { name },
      spec: {
        plugin: "kubernetes-objects-to-kubernetes",
        config: {
          sourceName: "source",
          destinationName: "destination",
          observability: { enabled: false },
          replication: { resources },
          ...extra,
        },
      },
    });
  }

  /** Waits until the object's condition `type` satisfies `ok`; returns the object. */
  condition(
    path: string,
    type: string,
    ok: (c: Cond) => boolean,
    timeoutMs = 60_000,
  ): Promise<Obj> {
    let last: Cond | undefined;
    return eventually(
      async () => {
        const o = await this.get(path);
        last = cond(o, type);
        return last && ok(last) ? o : undefined;
      },
      { timeoutMs, what: () => `${path} condition ${type} (last: ${JSON.stringify(last)})` },
    );
  }

  /** An operator for this namespace, stopped at clean-up; errors are collected. */
  async operator(opts: Partial<OperatorOptions> = {}): Promise<Operator> {
    const op = await Operator.start({
      management: this.management,
      namespace: this.ns,
      onError: (err) => this.errors.push(err.message),
      ...opts,
      engineOptions: { firstReconcileDelayMs: 1_000, ...opts.engineOptions },
    });
    this.operators.push(op);
    return op;
  }

  onCleanup(fn: () => Promise<unknown>): void {
    this.cleanups.push(fn);
  }

  async close(): Promise<void> {
    for (const op of this.operators) await op.stop().catch(() => undefined);
    for (const c of this.cleanups.reverse()) await c().catch(() => undefined);
    this.management.close();
  }
}

/**
 * A TCP proxy to host:port on 127.0.0.1 (the test apiservers' certificates name 127.0.0.1, so
 * TLS still verifies; `listen` 0.0.0.0 for pods, with the machine's address in the
 * certificates). `close()` also cuts the open connections (watches): to livesync it is a source
 * apiserver that died or a network cut. `listenPort` reopens a closed proxy where it was.
 */
export async function tcpProxy(host: string, port: number, listen = "127.0.0.1", listenPort = 0) {
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = connect(port, host);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on("close", () => sockets.delete(s));
      s.on("error", () => undefined);
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((r) => server.listen(listenPort, listen, r));
  return {
    port: (server.address() as { port: number }).port,
    close: () => {
      server.close();
      for (const s of sockets) s.destroy();
    },
  };
}

/** A kubeconfig text with every server replaced by the proxy's address. */
export const throughProxy = (kubeconfig: string, port: number) =>
  kubeconfig.replace(/server: .*/g, `server: https://127.0.0.1:${port}`);
