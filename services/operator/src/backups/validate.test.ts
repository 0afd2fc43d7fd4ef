import type { EngineManifests } from "@livesync/engine";
import { describe, expect, it } from "vitest";
import { checkBackupSpec } from "./validate.js";

const meta = (name: string) => ({ name, namespace: "ns" });
const manifests: EngineManifests = {
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
const check = (spec: object, problems = []) => checkBackupSpec(spec, "ns", manifests, problems);

describe("checkBackupSpec", () => {
  it("resolves a valid spec's cluster, kubeconfig and bucket", () => {
    const r = check({ sourceName: "src", bucketName: "store", ttl: "1h" });
    expect(r.problems).toEqual([]);
    expect(r.refs?.kubeconfig).toBe("x");
    expect(r.refs?.bucket.metadata.name).toBe("store");
  });

  it("names an unknown cluster and bucket, with the namespace", () => {
    expect(check({ sourceName: "nope", bucketName: "gone" }).problems).toEqual([
      {
        reason: "ClusterNotFound",
        message: 'spec.sourceName: KubernetesCluster "nope" not found in namespace "ns"',
      },
      {
        reason: "BucketNotFound",
        message: 'spec.bucketName: Bucket "gone" not found in namespace "ns"',
      },
    ]);
  });

  it("says why a cluster left out by validation is invalid", () => {
    const problems = [
      {
        source: "KubernetesCluster/ns/bad",
        index: 0,
        path: "spec.secretName",
        message: "required",
      },
    ];
    expect(
      checkBackupSpec({ sourceName: "bad", bucketName: "store" }, "ns", manifests, problems)
        .problems,
    ).toEqual([
      {
        reason: "ClusterNotFound",
        message: 'spec.sourceName: KubernetesCluster "bad" is invalid: spec.secretName: required',
      },
    ]);
  });

  it("names missing Secrets and keys", () => {
    expect(
      check({ sourceName: "nosecret", bucketName: "halfstore", encryption: { secretName: "enc" } })
        .problems,
    ).toEqual([
      {
        reason: "SecretNotFound",
        message:
          'spec.sourceName: KubernetesCluster "nosecret": Secret "missing" (key kubeconfig.yaml) not found in namespace "ns"',
      },
      {
        reason: "SecretNotFound",
        message: 'spec.bucketName: Bucket "halfstore": Secret "half" has no secretAccessKey',
      },
      {
        reason: "SecretNotFound",
        message: 'spec.encryption.secretName: Secret "enc" not found in namespace "ns"',
      },
    ]);
  });

  it("requires a source and a bucket, a readable ttl and disjoint namespace lists", () => {
    expect(
      check({
        ttl: "forever",
        includedNamespaces: ["a", "b"],
        excludedNamespaces: ["b"],
      }).problems.map((p) => p.message),
    ).toEqual([
      "spec.sourceName: required (the KubernetesCluster to back up)",
      "spec.bucketName: required: the operator stores backups in a Bucket",
      'spec.ttl: "forever" is not a duration like 720h or 1h30m0s',
      'spec.excludedNamespaces: "b" also in includedNamespaces',
    ]);
  });

  it("prefixes a schedule template's fields", () => {
    const r = checkBackupSpec(
      { sourceName: "nope", bucketName: "store" },
      "ns",
      manifests,
      [],
      "spec.template.",
    );
    expect(r.problems[0]!.message).toMatch(/^spec\.template\.sourceName: /);
  });
});
