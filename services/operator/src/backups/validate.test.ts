import { describe, expect, it } from "vitest";
import { REFERENCE_MANIFESTS as manifests } from "../test-manifests.js";
import { checkBackupSpec, objectProblems } from "./validate.js";

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

  it("requires a source and a bucket", () => {
    expect(check({}).problems.map((p) => p.message)).toEqual([
      "spec.sourceName: required (the KubernetesCluster to back up)",
      "spec.bucketName: required: the operator stores backups in a Bucket",
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

describe("objectProblems", () => {
  const backup = (spec: object) => ({
    apiVersion: "backup.livesync.dev/v1alpha1",
    kind: "Backup",
    metadata: { name: "b", namespace: "ns", resourceVersion: "7", managedFields: [] },
    spec,
    status: { phase: "New" },
  });
  it("is empty for a valid Backup, whatever the apiserver added to it", () => {
    expect(objectProblems("Backup", backup({ sourceName: "src", bucketName: "store" }))).toEqual(
      [],
    );
  });
  it("names the field and value of what `livesync validate` refuses", () => {
    const problems = objectProblems(
      "Backup",
      backup({
        sourceName: "src",
        ttl: "forever",
        includedNamespaces: ["a"],
        excludedNamespaces: ["a"],
      }),
    );
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^spec\.ttl: .*forever/),
        expect.stringMatching(/^spec\.includedNamespaces\[0\]: "a" is also in excludedNamespaces/),
      ]),
    );
  });
  it("checks a BackupSchedule's cron expression and time zone", () => {
    const problems = objectProblems("BackupSchedule", {
      apiVersion: "backup.livesync.dev/v1alpha1",
      kind: "BackupSchedule",
      metadata: { name: "s", namespace: "ns" },
      spec: {
        schedule: "61 * * * *",
        timeZone: "Mars/Olympus",
        maxBackups: 1,
        template: { sourceName: "src" },
      },
    });
    expect(problems).toEqual([
      expect.stringMatching(/^spec\.schedule: "61 \* \* \* \*" is not a valid cron expression/),
      expect.stringMatching(/^spec\.timeZone: "Mars\/Olympus" is not a known IANA time zone/),
    ]);
  });
});
