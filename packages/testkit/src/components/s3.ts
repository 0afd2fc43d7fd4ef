import { randomBytes } from "node:crypto";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { CreateBucketCommand, ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import type { S3Endpoint } from "../env.js";
import { httpOk } from "../http.js";
import { freePort } from "../ports.js";
import { waitUntilReady, type ProcessRegistry, type StartedProcess } from "../process.js";

export const TESTENV_REGION = "us-east-1";
export const TESTENV_BUCKET = "livesync-testenv";

/** An S3 client configured for emulators and for AWS alike (path style, checksums when required). */
export function s3Client(s3: S3Endpoint): S3Client {
  return new S3Client({
    endpoint: s3.endpoint,
    region: s3.region,
    forcePathStyle: s3.forcePathStyle ?? true,
    credentials: { accessKeyId: s3.accessKeyID, secretAccessKey: s3.secretAccessKey },
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
  });
}

/** versitygw with its posix backend; a versioning directory makes bucket versioning available. */
export async function startS3(
  registry: ProcessRegistry,
  binary: string,
  dir: string,
  /** 0.0.0.0 when pods connect too. */
  listen = "127.0.0.1",
): Promise<{ s3: S3Endpoint; process: StartedProcess }> {
  const port = await freePort();
  for (const d of ["data", "versions", "iam"]) mkdirSync(join(dir, d), { recursive: true });
  const s3: S3Endpoint = {
    endpoint: `http://127.0.0.1:${port}`,
    region: TESTENV_REGION,
    bucket: TESTENV_BUCKET,
    accessKeyID: `testenv${randomBytes(6).toString("hex")}`,
    secretAccessKey: randomBytes(24).toString("hex"),
    forcePathStyle: true,
  };
  const proc = registry.start({
    component: "versitygw (S3)",
    binary,
    args: ["--port", `${listen}:${port}`, "--health", "/health", "--region", s3.region]
      .concat(["--iam-dir", join(dir, "iam"), "posix"])
      .concat(["--versioning-dir", join(dir, "versions"), join(dir, "data")]),
    env: { ROOT_ACCESS_KEY: s3.accessKeyID, ROOT_SECRET_KEY: s3.secretAccessKey },
    logFile: join(dir, "versitygw.log"),
  });
  await waitUntilReady(proc, () => httpOk(`${s3.endpoint}/health`), 30_000);
  const client = s3Client(s3);
  try {
    await client.send(new CreateBucketCommand({ Bucket: s3.bucket }));
  } finally {
    client.destroy();
  }
  return { s3, process: proc };
}

/** Every key under `prefix` in the environment's bucket. */
export async function listKeys(s3: S3Endpoint, prefix: string): Promise<string[]> {
  const client = s3Client(s3);
  const keys: string[] = [];
  try {
    let token: string | undefined;
    do {
      const page = await client.send(
        new ListObjectsV2Command({ Bucket: s3.bucket, Prefix: prefix, ContinuationToken: token }),
      );
      for (const o of page.Contents ?? []) if (o.Key) keys.push(o.Key);
      token = page.NextContinuationToken;
    } while (token);
  } finally {
    client.destroy();
  }
  return keys;
}
