import { describe, expect, it } from "vitest";
import { checkRestore } from "./validate.js";
import { TEST_MANIFESTS } from "../test-manifests.js";

const meta = (name: string) => ({ name, namespace: "ns" });
const manifests = TEST_MANIFESTS;
const check = (spec: object) => checkRestore({ metadata: meta("r1"), spec }, manifests, []);
const messages = (spec: object) => check(spec).problems.map((p) => `${p.reason} ${p.message}`);

describe("checkRestore", () => {
  it("resolves a valid spec's destination, kubeconfig and bucket, with the schema defaults", () => {
    const r = check({ destinationName: "dst", bucketName: "store", backupName: "latest" });
    expect(r.problems).toEqual([]);
    expect(r.valid?.refs.kubeconfig).toBe("x");
    expect(r.valid?.refs.bucket.metadata.name).toBe("store");
    expect(r.valid?.spec.backupName).toBe("latest");
  });

  it("names the field and the value of a bad spec", () => {
    const bad = messages({
      destinationName: "dst",
      bucketName: "store",
      backupName: "latest",
      existingResourcePolicy: "overwrite",
    });
    expect(bad).toHaveLength(1);
    expect(bad[0]).toMatch(/^InvalidSpec spec\.existingResourcePolicy: .*overwrite/);
  });

  it("an unknown KubernetesCluster, a cluster without its Secret, an unknown Bucket", () => {
    expect(messages({ destinationName: "nope", bucketName: "store", backupName: "b" })).toEqual([
      'ClusterNotFound spec.destinationName: KubernetesCluster "nope" not found in namespace "ns"',
    ]);
    expect(messages({ destinationName: "nosecret", bucketName: "store", backupName: "b" })).toEqual(
      [
        'SecretNotFound spec.destinationName: KubernetesCluster "nosecret": Secret "missing" (key kubeconfig.yaml) not found in namespace "ns"',
      ],
    );
    expect(messages({ destinationName: "dst", bucketName: "gone", backupName: "b" })).toEqual([
      'BucketNotFound spec.bucketName: Bucket "gone" not found in namespace "ns"',
    ]);
  });

  it("the operator needs a Bucket", () => {
    expect(messages({ destinationName: "dst", backupName: "b" })).toEqual([
      "InvalidSpec spec.bucketName: required: the operator restores the backups (or the live archive) of a Bucket",
    ]);
  });
});
