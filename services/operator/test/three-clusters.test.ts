/**
 * Three-cluster topology and the second recovery scenario (from the bucket): the operator runs
 * against a separate management cluster; Deployments are replicated transformed (replicas 0,
 * strategy removed) and archived untransformed in a bucket; the source becomes unreachable (a TCP
 * proxy in front of its apiserver is shut, as a network cut or a dead control plane looks to
 * livesync); a TaskRun with fromOriginal restores the originals from the bucket.
 */
import { readFileSync } from "node:fs";
import { AppsV1Api, CoreV1Api } from "@kubernetes/client-node";
import { eventually, freshNamespace, kubeConfigFor } from "@livesync/testkit";
import { deployment } from "@livesync/engine/testing";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { cond, Fixture, tcpProxy, throughProxy, type Obj } from "./fixture.js";

const env = inject("testenv");
const src = kubeConfigFor(env, "source");
const dst = kubeConfigFor(env, "destination");
const N = 20;
let f: Fixture;

beforeAll(async () => {
  const management = env.clusters.management;
  if (!management)
    throw new Error("the test environment has no management cluster (testkit starts one)");
  f = await Fixture.create(env, kubeConfigFor(env, "management"), "three");
});
afterAll(() => f?.close());

describe("three clusters: management, source, destination", () => {
  it("replicates and archives from a separate management cluster, then restores the originals from the bucket once the source is gone", async () => {
    const source = await freshNamespace(src, "three-src", { "three-dr": f.ns });
    f.onCleanup(source.remove);
    f.onCleanup(() =>
      dst
        .makeApiClient(CoreV1Api)
        .deleteNamespace({ name: source.name })
        .catch(() => undefined),
    );
    const dstApps = dst.makeApiClient(AppsV1Api);
    for (let i = 0; i < N; i++)
      await src
        .makeApiClient(AppsV1Api)
        .createNamespacedDeployment({ namespace: source.name, body: deployment(`app-${i}`) });

    // The source as livesync reaches it: through the proxy (same TLS: the SAN is 127.0.0.1).
    const sourceUrl = new URL(src.getCurrentCluster()!.server);
    const proxy = await tcpProxy(sourceUrl.hostname, Number(sourceUrl.port));
    f.onCleanup(async () => proxy.close());
    const readOnly = readFileSync(env.clusters.source!.readOnlyKubeconfig!, "utf8");
    await f.addCluster("proxied-source", throughProxy(readOnly, proxy.port));
    await f.addBucket("archive");
    await f.liveSync(
      "apps",
      [
        {
          group: "apps",
          version: "v1",
          resource: "deployments",
          filters: { namespaceSelector: { matchLabels: { "three-dr": f.ns } } },
          transformation: {
            patch: [
              { op: "replace", path: "/spec/replicas", value: 0 },
              { op: "remove", path: "/spec/strategy" },
            ],
          },
          recoveryProcess: { fromOriginal: { enabled: true } },
        },
      ],
      { sourceName: "proxied-source", bucketName: "archive" },
    );

    const op = await f.operator();
    const lsPath = f.path("livesynchronizations", "apps");
    await f.condition(lsPath, "Ready", (c) => c.status === "True");
    await eventually(
      async () => {
        const s = (await op.currentEngine!.status()).find((x) => x.liveSync === `${f.ns}/apps`);
        return s && s.synced >= N && (s.archived ?? 0) >= N ? true : undefined;
      },
      { timeoutMs: 60_000, what: `${N} copies and ${N} originals in the bucket` },
    );
    const copy = await dstApps.readNamespacedDeployment({ namespace: source.name, name: "app-0" });
    expect(copy.spec?.replicas).toBe(0);
    expect(copy.spec?.strategy?.type).toBe("RollingUpdate"); // the destination's default
    // Nothing but livesync's own objects in the management cluster: no copies there.
    await expect(
      f.management.rest.request("GET", `/api/v1/namespaces/${source.name}`),
    ).rejects.toThrow(/404/);
    expect(cond(await f.get(f.path("buckets", "archive")), "Ready")?.status).toBe("True");

    // Disaster: the source is gone. The LiveSynchronization says so.
    proxy.close();
    const down = await f.condition(lsPath, "Ready", (c) => c.status === "False", 90_000);
    expect(cond(down, "Degraded")?.message).toMatch(/watch/);

    await f.create(f.path("taskruns"), {
      apiVersion: "automation.livesync.dev/v1alpha1",
      kind: "TaskRun",
      metadata: { name: "restore" },
      spec: { taskName: "apps" },
    });
    const run = await eventually(
      async () => {
        const tr: Obj = await f.get(f.path("taskruns", "restore"));
        const phase = tr.status?.phase;
        return phase && phase !== "Running" ? tr : undefined;
      },
      { timeoutMs: 60_000, what: "the TaskRun to finish" },
    );
    expect(run.status?.phase, JSON.stringify(run.status)).toBe("Succeeded");
    expect(run.status?.resources?.[0]).toMatchObject({ total: N, succeeded: N, failed: 0 });
    for (let i = 0; i < N; i++) {
      const d = await dstApps.readNamespacedDeployment({
        namespace: source.name,
        name: `app-${i}`,
      });
      expect(d.spec?.replicas).toBe(3);
      expect(d.spec?.strategy?.type).toBe("Recreate");
    }
    expect((await f.get(lsPath)).spec?.suspend).toBe(true);
    expect(f.errors).toEqual([]);
  }, 240_000);
});
