/**
 * Every kind of bad input the issue lists ends as a condition on the offending object, with
 * reason and message saying what and where, while a good LiveSynchronization in the same
 * namespace keeps replicating. Management cluster = destination (two-cluster topology).
 */
import { readFileSync } from "node:fs";
import { AppsV1Api } from "@kubernetes/client-node";
import { eventually, freshNamespace, kubeConfigFor } from "@livesync/testkit";
import { deployment } from "@livesync/engine/testing";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { cond, deploymentsIn, Fixture } from "./fixture.js";

const env = inject("testenv");
const src = kubeConfigFor(env, "source");
const dst = kubeConfigFor(env, "destination");
let f: Fixture;

beforeAll(async () => {
  f = await Fixture.create(env, dst, "conditions");
});
afterAll(() => f?.close());

const configMapsIn = (label: string, value: string, extra: Record<string, unknown> = {}) => ({
  version: "v1",
  resource: "configmaps",
  filters: { namespaceSelector: { matchLabels: { [label]: value } } },
  ...extra,
});

describe("operator conditions", () => {
  it("reports each invalid input on its object and keeps the valid LiveSynchronization working", async () => {
    const source = await freshNamespace(src, "cond-src", { "cond-dr": f.ns });
    f.onCleanup(source.remove);
    await src
      .makeApiClient(AppsV1Api)
      .createNamespacedDeployment({ namespace: source.name, body: deployment("web") });

    // Clusters: a missing Secret, a Secret without the key, a malformed kubeconfig, a server
    // that does not answer, and the source through its admin (read-write) credential.
    const kc = (name: string, secretName: string) =>
      f.create(f.path("kubernetesclusters"), {
        apiVersion: "assets.livesync.dev/v1alpha1",
        kind: "KubernetesCluster",
        metadata: { name },
        spec: { secretName },
      });
    const secret = (name: string, data: Record<string, string>) =>
      f.create(`/api/v1/namespaces/${f.ns}/secrets`, {
        apiVersion: "v1",
        kind: "Secret",
        metadata: { name },
        stringData: data,
      });
    await kc("no-secret", "absent");
    await secret("no-key", { "config.yaml": "x" });
    await kc("no-key", "no-key");
    await f.addCluster("malformed", "apiVersion: v1\nclusters: [ {{ not yaml");
    const admin = readFileSync(env.clusters.source!.kubeconfig, "utf8");
    await f.addCluster("unreachable", admin.replace(/server: .*/g, "server: https://127.0.0.1:1"));
    await f.addCluster("admin-source", admin);

    const label = (n: number) => deploymentsIn("cond-dr", `${f.ns}-${n}`);
    await f.liveSync("good", [deploymentsIn("cond-dr", f.ns)]);
    await f.liveSync("bad-regex", [
      configMapsIn("cond-dr", f.ns, { filters: { nameSelector: { excludeRegex: ["*.test"] } } }),
    ]);
    await f.liveSync("bad-patch-path", [
      {
        ...label(1),
        transformation: { patch: [{ op: "remove", path: "spec/strategy" }] },
      },
    ]);
    // Valid LiveSynchronizations each get their own KubernetesCluster objects (only one per
    // namespace may use a given cluster); `role` is then pointed at the cluster under test.
    const via = async (ls: string, cluster: string, n: number, role: "source" | "destination") => ({
      ...(await f.clusterPair(`${ls}-`)),
      [`${role}Name`]: cluster,
      replication: { resources: [label(n)] },
    });
    await f.liveSync(
      "unknown-resource",
      [{ group: "example.com", version: "v1", resource: "widgets" }],
      await f.clusterPair("unknown-"),
    );
    await f.liveSync(
      "missing-secret",
      [],
      await via("missing-secret", "no-secret", 2, "destination"),
    );
    await f.liveSync("missing-key", [], await via("missing-key", "no-key", 3, "source"));
    await f.liveSync("malformed-kubeconfig", [], await via("malformed", "malformed", 4, "source"));
    await f.liveSync(
      "unreachable-cluster",
      [],
      await via("unreachable", "unreachable", 5, "source"),
    );
    await f.liveSync("writable-source", [], await via("writable", "admin-source", 6, "source"));
    // Created a second later than "good" (creationTimestamp has second resolution): of two
    // LiveSynchronizations over one resource set in one destination cluster (here through
    // other KubernetesCluster objects), or sharing a cluster in one namespace, the newer one
    // is rejected, naming the older.
    await new Promise((r) => setTimeout(r, 1100));
    await f.liveSync(
      "same-resources",
      [deploymentsIn("cond-dr", f.ns)],
      await f.clusterPair("same-"),
    );
    await f.liveSync("shares-cluster", [configMapsIn("cond-dr", f.ns)]);

    await f.operator();

    const ls = (name: string) => f.path("livesynchronizations", name);
    const notReady = async (name: string, reason: string, message: string | RegExp) => {
      const o = await f.condition(ls(name), "Ready", (c) => c.reason === reason);
      expect(cond(o, "Ready")?.status, name).toBe("False");
      expect(cond(o, "Ready")?.message, name).toMatch(message);
      expect(o.status?.observedGeneration, name).toBe(o.metadata.generation);
    };
    await notReady(
      "bad-regex",
      "InvalidSpec",
      'spec.config.replication.resources[0].filters.nameSelector.excludeRegex[0]: "*.test" is not a valid regular expression',
    );
    await notReady(
      "bad-patch-path",
      "InvalidSpec",
      'spec.config.replication.resources[0].transformation.patch[0].path: "spec/strategy" is not a valid JSON Pointer',
    );
    await notReady(
      "unknown-resource",
      "UnknownResource",
      "source cluster unknown-source: unknown resource example.com/v1/widgets: the server does not serve example.com/v1",
    );
    await notReady(
      "missing-secret",
      "InvalidSpec",
      'spec.config.destinationName: KubernetesCluster "no-secret" is invalid: spec.secretName: Secret "absent" not found',
    );
    await notReady(
      "missing-key",
      "InvalidSpec",
      /KubernetesCluster "no-key" is invalid: .*kubeconfig\.yaml/,
    );
    await notReady(
      "malformed-kubeconfig",
      "InvalidKubeconfig",
      /source cluster malformed: .*malformed kubeconfig/,
    );
    await notReady(
      "unreachable-cluster",
      "ClusterUnreachable",
      /source cluster unreachable: .*127\.0\.0\.1:1/,
    );
    await notReady(
      "same-resources",
      "InvalidSpec",
      `spec.config.replication.resources[0]: apps/deployments covered by LiveSynchronization ${f.ns}/good already`,
    );
    await notReady(
      "shares-cluster",
      "InvalidSpec",
      `spec.config.sourceName: KubernetesCluster "source" is used by LiveSynchronization ${f.ns}/good already; only one LiveSynchronization per namespace may use a given cluster or bucket`,
    );

    // The clusters say the same on themselves.
    const kcReady = (name: string) =>
      f.condition(f.path("kubernetesclusters", name), "Ready", (c) => c.reason !== "Checking");
    expect(cond(await kcReady("no-secret"), "Ready")).toMatchObject({
      status: "False",
      reason: "InvalidSpec",
      message: 'spec.secretName: Secret "absent" not found in namespace "' + f.ns + '"',
    });
    expect(cond(await kcReady("malformed"), "Ready")?.reason).toBe("InvalidKubeconfig");
    expect(cond(await kcReady("unreachable"), "Ready")?.reason).toBe("ClusterUnreachable");
    expect(cond(await kcReady("source"), "Ready")).toMatchObject({
      status: "True",
      reason: "Reachable",
    });

    // A read-write source credential works, with a warning; the read-only one has none.
    const writable = await f.condition(ls("writable-source"), "SourceReadOnly", () => true);
    expect(cond(writable, "SourceReadOnly")).toMatchObject({
      status: "False",
      reason: "CredentialCanWrite",
    });
    expect(cond(writable, "SourceReadOnly")?.message).toContain(
      "can create deployments.apps, delete deployments.apps",
    );
    const good = await f.condition(ls("good"), "SourceReadOnly", () => true);
    expect(cond(good, "SourceReadOnly")?.status).toBe("True");

    // Through all of this, the valid LiveSynchronization replicates and is Ready.
    const copy = await eventually(
      () =>
        dst
          .makeApiClient(AppsV1Api)
          .readNamespacedDeployment({ namespace: source.name, name: "web" })
          .catch(() => undefined),
      { timeoutMs: 60_000, what: "the copy of web" },
    );
    expect(copy.spec?.replicas).toBe(0);
    await f.condition(ls("good"), "Ready", (c) => c.status === "True");
    await f.condition(ls("writable-source"), "Ready", (c) => c.status === "True");
    expect(f.errors).toEqual([]);
  }, 180_000);
});
