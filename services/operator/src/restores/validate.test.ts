import { describe, expect, it } from "vitest";
import { REFERENCE_MANIFESTS as manifests } from "../test-manifests.js";
import { checkRestore } from "./validate.js";

const meta = (name: string) => ({ name, namespace: "ns" });
const check = (spec: object) => checkRestore({ metadata: meta("r1"), spec }, manifests, []);
const messages = (spec: object) => check(spec).problems.map((p) => `${p.reason} ${p.message}`);

describe("checkRestore", () => {
  it("resolves a valid spec's destination, kubeconfig and bucket, with the schema defaults", () => {
    const r = check({ destinationName: "src", bucketName: "store", backupName: "latest" });
    expect(r.problems).toEqual([]);
    expect(r.valid?.refs.kubeconfig).toBe("x");
    expect(r.valid?.refs.bucket.metadata.name).toBe("store");
    expect(r.valid?.spec.backupName).toBe("latest");
  });

  it("names the field and the value of a bad spec", () => {
    const bad = messages({
      destinationName: "src",
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
    expect(messages({ destinationName: "src", bucketName: "gone", backupName: "b" })).toEqual([
      'BucketNotFound spec.bucketName: Bucket "gone" not found in namespace "ns"',
    ]);
  });

  it("the operator needs a Bucket", () => {
    expect(messages({ destinationName: "src", backupName: "b" })).toEqual([
      "InvalidSpec spec.bucketName: required: the operator restores the backups (or the live archive) of a Bucket",
    ]);
  });
});
