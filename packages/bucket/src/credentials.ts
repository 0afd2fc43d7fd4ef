import { secretValue, type Bucket, type Secret } from "@livesync/api";

export interface BucketCredentials {
  accessKeyID: string;
  secretAccessKey: string;
}

/**
 * The accessKeyID/secretAccessKey of a Bucket's Secret (stringData wins over base64 data, as
 * the apiserver does). Throws naming the Bucket, the Secret and the missing key.
 */
export function bucketCredentials(bucket: Bucket, secret: Secret | undefined): BucketCredentials {
  const ns = bucket.metadata.namespace ?? "default";
  const where = `Bucket ${ns}/${bucket.metadata.name}: Secret ${ns}/${bucket.spec.secretName}`;
  if (!secret) throw new Error(`${where} not found`);
  const read = (key: keyof BucketCredentials) => {
    const v = secretValue(secret, key);
    if (!v) throw new Error(`${where} has no key ${key}`);
    return v.trim(); // a trailing newline from `echo | base64` is never part of a key
  };
  return { accessKeyID: read("accessKeyID"), secretAccessKey: read("secretAccessKey") };
}
