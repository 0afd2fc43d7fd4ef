import { describe, expect, it } from "vitest";
import type { Bucket, Secret } from "@livesync/api";
import { bucketCredentials } from "./credentials.js";

const bucket: Bucket = {
  apiVersion: "assets.livesync.dev/v1alpha1",
  kind: "Bucket",
  metadata: { name: "gcp", namespace: "livesync-system" },
  spec: { generic: { endpoint: "storage.googleapis.com", name: "b" }, secretName: "creds" },
};
const secret = (s: Partial<Secret>): Secret => ({
  apiVersion: "v1",
  kind: "Secret",
  metadata: { name: "creds", namespace: "livesync-system" },
  ...s,
});
const b64 = (s: string) => Buffer.from(s).toString("base64");

describe("bucketCredentials", () => {
  it("reads stringData, or base64 data, stringData first", () => {
    expect(
      bucketCredentials(bucket, secret({ stringData: { accessKeyID: "A", secretAccessKey: "S" } })),
    ).toEqual({ accessKeyID: "A", secretAccessKey: "S" });
    expect(
      bucketCredentials(
        bucket,
        secret({
          data: { accessKeyID: b64("A\n"), secretAccessKey: b64("old") },
          stringData: { secretAccessKey: "new" },
        }),
      ),
    ).toEqual({ accessKeyID: "A", secretAccessKey: "new" });
  });

  it("names what is missing", () => {
    expect(() => bucketCredentials(bucket, undefined)).toThrow(
      "Bucket livesync-system/gcp: Secret livesync-system/creds not found",
    );
    expect(() => bucketCredentials(bucket, secret({ stringData: { accessKeyID: "A" } }))).toThrow(
      "Bucket livesync-system/gcp: Secret livesync-system/creds has no key secretAccessKey",
    );
  });
});
