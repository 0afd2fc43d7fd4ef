import { describe, expect, it } from "vitest";
import type { Bucket } from "@livesync/api";
import { bucketClientFromSpec, resolveBucketEndpoint } from "./client.js";

const generic = (g: Partial<Bucket["spec"]["generic"]>) => ({ endpoint: "x", name: "b", ...g });

describe("resolveBucketEndpoint", () => {
  it("GCS interoperability: https, path style, default region", () => {
    expect(resolveBucketEndpoint(generic({ endpoint: "storage.googleapis.com" }))).toEqual({
      endpoint: "https://storage.googleapis.com",
      bucket: "b",
      region: "us-east-1",
      forcePathStyle: true,
    });
  });

  it("AWS: virtual-hosted style unless asked otherwise", () => {
    const aws = resolveBucketEndpoint(
      generic({ endpoint: "s3.eu-west-1.amazonaws.com", region: "eu-west-1" }),
    );
    expect(aws).toMatchObject({
      endpoint: "https://s3.eu-west-1.amazonaws.com",
      region: "eu-west-1",
      forcePathStyle: false,
    });
    expect(
      resolveBucketEndpoint(generic({ endpoint: "s3.amazonaws.com:443" })).forcePathStyle,
    ).toBe(false);
    expect(
      resolveBucketEndpoint(generic({ endpoint: "s3.amazonaws.com", forcePathStyle: true }))
        .forcePathStyle,
    ).toBe(true);
    // Only the real domain counts.
    expect(resolveBucketEndpoint(generic({ endpoint: "notamazonaws.com" })).forcePathStyle).toBe(
      true,
    );
  });

  it("MinIO: useSSL false picks http and keeps the port", () => {
    expect(
      resolveBucketEndpoint(generic({ endpoint: "minio:9000/", useSSL: false })),
    ).toMatchObject({ endpoint: "http://minio:9000", forcePathStyle: true });
    expect(resolveBucketEndpoint(generic({ endpoint: "minio:9000", useSSL: true })).endpoint).toBe(
      "https://minio:9000",
    );
  });

  it("rejects a scheme in the endpoint", () => {
    expect(() =>
      resolveBucketEndpoint(generic({ endpoint: "https://storage.googleapis.com" })),
    ).toThrow(/without a scheme; useSSL chooses https or http/);
  });
});

describe("bucketClientFromSpec", () => {
  it("labels the client with the Bucket CR, the S3 bucket and the endpoint", () => {
    const bucket: Bucket = {
      apiVersion: "assets.livesync.dev/v1alpha1",
      kind: "Bucket",
      metadata: { name: "gcp", namespace: "livesync-system" },
      spec: {
        generic: { endpoint: "storage.googleapis.com", name: "dr-originals" },
        secretName: "bucket-credentials",
      },
    };
    const client = bucketClientFromSpec(bucket, { accessKeyID: "a", secretAccessKey: "s" });
    expect(client.label).toBe(
      "bucket livesync-system/gcp (s3://dr-originals at https://storage.googleapis.com)",
    );
    client.close();
  });
});
