import { Readable } from "node:stream";
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import type { Bucket } from "@livesync/api";
import { BucketError } from "./errors.js";

/** The archive's view of one S3-compatible bucket. Every failure is a BucketError. */
export interface BucketClient {
  /** "bucket <ns>/<name> (s3://<bucket> at <endpoint>)": prefixes every error message. */
  readonly label: string;
  /** The S3 bucket's name (s3://<bucket>/<key> locates an object). */
  readonly bucket: string;
  /** The object's S3 user metadata, or undefined when there is no object at key. */
  head(key: string): Promise<Record<string, string> | undefined>;
  /** head() and the object's ETag (the If-Match of a conditional write over it). */
  stat(key: string): Promise<StoredObject | undefined>;
  /**
   * With a condition, a server that supports conditional writes refuses the write with a
   * BucketError whose reason is "precondition failed" (isPreconditionFailed) when the object
   * is not the one named; one that does not may ignore it (see probeConditionalWrites).
   */
  put(
    key: string,
    body: string,
    metadata: Record<string, string>,
    condition?: WriteCondition,
  ): Promise<void>;
  get(key: string): Promise<string | undefined>;
  /** Every key under prefix (all pages). */
  list(prefix: string): Promise<string[]>;
  /** Streams body to key (multipart for large bodies); memory stays bounded by the part size. */
  upload(key: string, body: Readable, contentType?: string): Promise<void>;
  /** The object's bytes as a stream, or undefined when there is no object at key. */
  getStream(key: string): Promise<Readable | undefined>;
  /** Deletes every key under prefix; returns how many were deleted. */
  deletePrefix(prefix: string): Promise<number>;
  /** Throws a clear error for bad credentials, a missing bucket or an unreachable endpoint. */
  check(): Promise<void>;
  close(): void;
}

export interface StoredObject {
  metadata: Record<string, string>;
  etag?: string;
}

/** Write only over this ETag, or only where no object is. */
export type WriteCondition = { ifMatch: string } | { ifNoneMatch: "*" };

export interface BucketClientOptions {
  /** URL with scheme, e.g. "https://storage.googleapis.com" or "http://127.0.0.1:9000". */
  endpoint: string;
  bucket: string;
  region?: string;
  accessKeyID: string;
  secretAccessKey: string;
  forcePathStyle?: boolean;
  /** Who this bucket is, for messages (default "bucket s3://<bucket> at <endpoint>"). */
  label?: string;
  /** A request (and its response) taking longer fails (default 20 s): a hung server must not hang us. */
  requestTimeoutMs?: number;
  /** SDK attempts per call (default 3); the archiver retries on top of that. */
  maxAttempts?: number;
}

export interface ResolvedEndpoint {
  endpoint: string;
  bucket: string;
  region: string;
  forcePathStyle: boolean;
}

/**
 * Bucket.spec.generic -> S3 client settings. The endpoint is host[:port] without scheme; useSSL
 * (default true) picks https. Path-style addressing unless the endpoint is AWS's (which prefers
 * virtual hosts); GCS interoperability and MinIO/versitygw accept path style.
 */
export function resolveBucketEndpoint(generic: Bucket["spec"]["generic"]): ResolvedEndpoint {
  const host = generic.endpoint.trim().replace(/\/+$/, "");
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(host)) {
    throw new Error(
      `endpoint ${JSON.stringify(generic.endpoint)} must be host[:port] without a scheme; useSSL chooses https or http`,
    );
  }
  const hostname = host.replace(/:\d+$/, "").toLowerCase();
  const isAws = /(^|\.)amazonaws\.com(\.cn)?$/.test(hostname);
  return {
    endpoint: `${generic.useSSL === false ? "http" : "https"}://${host}`,
    bucket: generic.name,
    region: generic.region || "us-east-1",
    forcePathStyle: generic.forcePathStyle ?? !isAws,
  };
}

/** A client for a Bucket CR and the accessKeyID/secretAccessKey of its Secret. */
export function bucketClientFromSpec(
  bucket: Bucket,
  secret: { accessKeyID: string; secretAccessKey: string },
  opts: Pick<BucketClientOptions, "requestTimeoutMs" | "maxAttempts"> = {},
): BucketClient {
  const r = resolveBucketEndpoint(bucket.spec.generic);
  const who = `${bucket.metadata.namespace ?? "default"}/${bucket.metadata.name}`;
  return bucketClient({
    ...r,
    ...secret,
    ...opts,
    label: `bucket ${who} (s3://${r.bucket} at ${r.endpoint})`,
  });
}

export function bucketClient(opts: BucketClientOptions): BucketClient {
  return new S3BucketClient(opts);
}

const isNotFound = (err: unknown) => {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e.name === "NotFound" || e.name === "NoSuchKey" || e.$metadata?.httpStatusCode === 404;
};

class S3BucketClient implements BucketClient {
  readonly label: string;
  private readonly s3: S3Client;
  readonly bucket: string;

  constructor(opts: BucketClientOptions) {
    this.bucket = opts.bucket;
    this.label = opts.label ?? `bucket s3://${opts.bucket} at ${opts.endpoint}`;
    this.s3 = new S3Client({
      endpoint: opts.endpoint,
      region: opts.region ?? "us-east-1",
      forcePathStyle: opts.forcePathStyle ?? true,
      credentials: { accessKeyId: opts.accessKeyID, secretAccessKey: opts.secretAccessKey },
      // GCS and older S3 emulators reject the newer default checksum headers.
      requestChecksumCalculation: "WHEN_REQUIRED",
      responseChecksumValidation: "WHEN_REQUIRED",
      maxAttempts: opts.maxAttempts ?? 3,
      // Without throwOnRequestTimeout the SDK only logs a warning: a frozen server would hang
      // the call (and the event) forever.
      requestHandler: {
        connectionTimeout: 5_000,
        requestTimeout: opts.requestTimeoutMs ?? 20_000,
        throwOnRequestTimeout: true,
      },
    });
  }

  private async call<T>(what: string, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (err) {
      if (err instanceof BucketError) throw err;
      throw BucketError.from(this.label, err, what);
    }
  }

  async head(key: string): Promise<Record<string, string> | undefined> {
    return (await this.stat(key))?.metadata;
  }

  async stat(key: string): Promise<StoredObject | undefined> {
    return this.call(`HEAD ${key}`, async () => {
      try {
        const out = await this.s3.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
        return { metadata: out.Metadata ?? {}, ...(out.ETag ? { etag: out.ETag } : {}) };
      } catch (err) {
        if (isNotFound(err)) return undefined;
        if (
          (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 403
        ) {
          await this.check(); // a HEAD error has no body; a list's error names the reason
        }
        throw err;
      }
    });
  }

  async put(
    key: string,
    body: string,
    metadata: Record<string, string>,
    condition?: WriteCondition,
  ): Promise<void> {
    await this.call(`PUT ${key}`, () =>
      this.s3.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: key,
          Body: body,
          ContentType: "application/json",
          Metadata: metadata,
          ...(condition && "ifMatch" in condition ? { IfMatch: condition.ifMatch } : {}),
          ...(condition && "ifNoneMatch" in condition
            ? { IfNoneMatch: condition.ifNoneMatch }
            : {}),
        }),
      ),
    );
  }

  async get(key: string): Promise<string | undefined> {
    return this.call(`GET ${key}`, async () => {
      try {
        const out = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
        return await out.Body?.transformToString("utf-8");
      } catch (err) {
        if (isNotFound(err) && (err as { name?: string }).name !== "NoSuchBucket") return undefined;
        throw err;
      }
    });
  }

  async list(prefix: string): Promise<string[]> {
    return this.call(`LIST ${prefix}`, async () => {
      const keys: string[] = [];
      let token: string | undefined;
      do {
        const out = await this.s3.send(
          new ListObjectsV2Command({
            Bucket: this.bucket,
            Prefix: prefix,
            ContinuationToken: token,
          }),
        );
        for (const o of out.Contents ?? []) if (o.Key) keys.push(o.Key);
        token = out.IsTruncated ? out.NextContinuationToken : undefined;
      } while (token);
      return keys;
    });
  }

  async upload(key: string, body: Readable, contentType = "application/octet-stream") {
    await this.call(`UPLOAD ${key}`, async () => {
      const upload = new Upload({
        client: this.s3,
        params: { Bucket: this.bucket, Key: key, Body: body, ContentType: contentType },
        // 8 MiB parts, two in flight: a backup's memory does not grow with the archive.
        partSize: 8 * 1024 * 1024,
        queueSize: 2,
        leavePartsOnError: false,
      });
      await upload.done();
    });
  }

  async getStream(key: string): Promise<Readable | undefined> {
    return this.call(`GET ${key}`, async () => {
      try {
        const out = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
        return out.Body as Readable | undefined;
      } catch (err) {
        if (isNotFound(err) && (err as { name?: string }).name !== "NoSuchBucket") return undefined;
        throw err;
      }
    });
  }

  async deletePrefix(prefix: string): Promise<number> {
    // One DELETE per key: a backup's folder holds a handful, and every S3 emulator supports it
    // (DeleteObjects needs a checksum header some reject).
    const keys = await this.list(prefix);
    for (const Key of keys) {
      await this.call(`DELETE ${Key}`, () =>
        this.s3.send(new DeleteObjectCommand({ Bucket: this.bucket, Key })),
      );
    }
    return keys.length;
  }

  async check(): Promise<void> {
    // A one-key list: unlike HEAD Bucket, its error body names the problem (InvalidAccessKeyId…).
    try {
      await this.s3.send(new ListObjectsV2Command({ Bucket: this.bucket, MaxKeys: 1 }));
    } catch (err) {
      throw BucketError.from(this.label, err);
    }
  }

  close(): void {
    this.s3.destroy();
  }
}
