import { describe, expect, it } from "vitest";
import {
  BucketError,
  classifyBucketError,
  isPreconditionFailed,
  isTransientBucketError,
} from "./errors.js";

const sdk = (name: string, status: number, message = `${name} message`) =>
  Object.assign(new Error(message), { name, $metadata: { httpStatusCode: status } });
const net = (code: string, message: string) => Object.assign(new Error(message), { code });

describe("classifyBucketError", () => {
  it("a refused conditional write (412, or AWS's 409 for racing ones) means: decide again", () => {
    for (const err of [
      sdk("PreconditionFailed", 412),
      sdk("ConditionalRequestConflict", 409),
      sdk("Unknown", 412),
    ]) {
      expect(classifyBucketError(err)).toMatchObject({
        reason: "precondition failed",
        transient: true,
      });
      expect(isPreconditionFailed(BucketError.from("bucket b", err, "PUT k"))).toBe(true);
    }
    expect(isPreconditionFailed(sdk("NoSuchKey", 404))).toBe(false);
    expect(isPreconditionFailed(sdk("Conflict", 409))).toBe(false);
  });

  it("network trouble, 5xx and throttling are transient", () => {
    expect(classifyBucketError(net("ECONNREFUSED", "connect ECONNREFUSED 127.0.0.1:1"))).toEqual({
      reason: "unreachable",
      transient: true,
      detail: "connect ECONNREFUSED 127.0.0.1:1",
    });
    // Node's dual-stack connect failure: an AggregateError without a message.
    const agg = Object.assign(
      new AggregateError([net("ECONNREFUSED", "connect ECONNREFUSED ::1:1")], ""),
      {
        code: "ECONNREFUSED",
      },
    );
    expect(classifyBucketError(agg)).toMatchObject({
      reason: "unreachable",
      detail: "connect ECONNREFUSED ::1:1",
    });
    expect(
      isTransientBucketError(Object.assign(new Error("socket hang up"), { name: "TimeoutError" })),
    ).toBe(true);
    const timeout = new Error(
      "@smithy/node-http-handler - [ERROR] a request has exceeded the configured 1000 ms requestTimeout.",
    );
    timeout.name = "TimeoutError";
    expect(classifyBucketError(timeout)).toEqual({
      reason: "unreachable",
      transient: true,
      detail: "TimeoutError: a request has exceeded the configured 1000 ms requestTimeout.",
    });
    expect(classifyBucketError(sdk("InternalError", 500))).toMatchObject({
      reason: "server error",
      transient: true,
    });
    expect(classifyBucketError(sdk("SlowDown", 503))).toMatchObject({
      reason: "throttled",
      transient: true,
    });
    expect(isTransientBucketError(sdk("Unknown", 429, "UnknownError"))).toBe(true);
  });

  it("credentials, a missing bucket and a wrong region are not", () => {
    expect(classifyBucketError(sdk("InvalidAccessKeyId", 403, "The key does not exist."))).toEqual({
      reason: "access denied",
      transient: false,
      detail: "InvalidAccessKeyId: The key does not exist. (HTTP 403)",
    });
    expect(classifyBucketError(sdk("SignatureDoesNotMatch", 403)).reason).toBe("access denied");
    // HEAD errors have no body.
    expect(classifyBucketError(sdk("Unknown", 403, "UnknownError"))).toMatchObject({
      reason: "access denied",
      detail: "HTTP 403",
    });
    expect(classifyBucketError(sdk("NoSuchBucket", 404))).toMatchObject({
      reason: "no such bucket",
      transient: false,
    });
    expect(classifyBucketError(sdk("PermanentRedirect", 301)).reason).toBe(
      "wrong region or endpoint",
    );
    expect(isTransientBucketError(new Error("something else"))).toBe(false);
  });

  it("BucketError names the bucket, the request and the reason, and keeps the classification", () => {
    const e = BucketError.from(
      "bucket ns/b (s3://x at http://h)",
      net("ECONNREFUSED", "connect ECONNREFUSED 127.0.0.1:1"),
      "PUT k",
    );
    expect(e.message).toBe(
      "bucket ns/b (s3://x at http://h): PUT k: unreachable: connect ECONNREFUSED 127.0.0.1:1",
    );
    expect(isTransientBucketError(e)).toBe(true);
    expect(classifyBucketError(e).reason).toBe("unreachable");
  });
});
