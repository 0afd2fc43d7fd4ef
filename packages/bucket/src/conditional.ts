// Whether a bucket's server honours conditional writes (If-None-Match: * and If-Match on PUT).
// AWS S3 has since 2024, MinIO and versitygw do too; other S3-compatible servers may reject the
// headers, or worse, accept the write and ignore them: only a write that must fail tells.

import { randomBytes } from "node:crypto";
import type { BucketClient } from "./client.js";
import { BucketError, isPreconditionFailed } from "./errors.js";

/** An ETag no object has: an If-Match on it must fail. */
const NO_SUCH_ETAG = '"00000000000000000000000000000000"';

function httpStatus(err: unknown): number | undefined {
  const cause = err instanceof BucketError ? err.cause : err;
  return (cause as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata
    ?.httpStatusCode;
}

/** The server refused the header itself (501 Not Implemented, 400 bad request). */
function refusesHeader(err: unknown): boolean {
  const s = httpStatus(err);
  return s === 501 || s === 400;
}

/**
 * Writes a probe object under `prefix` (then deletes it): true when a second If-None-Match: *
 * and an If-Match on a wrong ETag are both refused with 412. False when the server rejects the
 * headers or ignores them. Throws the BucketError of an outage or bad credentials: the caller
 * asks again later rather than deciding on a failed probe.
 */
export async function probeConditionalWrites(
  bucket: BucketClient,
  prefix: string,
): Promise<boolean> {
  const key = `${prefix}.livesync-conditional-write-probe-${randomBytes(6).toString("hex")}`;
  const body = "livesync probes whether this server supports conditional writes";
  /** "refused": 412 as hoped; "ignored": the write went through; "unsupported": header refused. */
  const attempt = async (condition: Parameters<BucketClient["put"]>[3]) => {
    try {
      await bucket.put(key, body, {}, condition);
      return "written" as const;
    } catch (err) {
      if (isPreconditionFailed(err)) return "refused" as const;
      if (refusesHeader(err)) return "unsupported" as const;
      throw err;
    }
  };
  try {
    // The key is new, so this one must go through (a refusal here means a broken server).
    if ((await attempt({ ifNoneMatch: "*" })) !== "written") return false;
    if ((await attempt({ ifNoneMatch: "*" })) !== "refused") return false;
    return (await attempt({ ifMatch: NO_SUCH_ETAG })) === "refused";
  } finally {
    await bucket.deletePrefix(key).catch(() => undefined);
  }
}
