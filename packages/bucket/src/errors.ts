// Turns SDK and network errors into one sentence an operator can act on, and tells transient
// trouble (network, 5xx, throttling) from configuration errors (credentials, missing bucket).

export type BucketErrorReason =
  | "unreachable"
  | "access denied"
  | "no such bucket"
  | "wrong region or endpoint"
  | "throttled"
  | "server error"
  /** A conditional write (If-Match / If-None-Match) met another writer's object: decide again. */
  | "precondition failed"
  | "error";

const NETWORK_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ECONNABORTED",
  "ETIMEDOUT",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EPIPE",
  "ERR_SOCKET_CONNECTION_TIMEOUT",
]);
const NETWORK_NAMES = new Set(["TimeoutError", "RequestTimeout", "RequestTimeoutException"]);
const AUTH_CODES = new Set([
  "InvalidAccessKeyId",
  "SignatureDoesNotMatch",
  "AccessDenied",
  "InvalidToken",
  "ExpiredToken",
  "InvalidSecurity",
  "Forbidden",
]);
const REGION_CODES = new Set([
  "PermanentRedirect",
  "AuthorizationHeaderMalformed",
  "IllegalLocationConstraintException",
]);
const PRECONDITION_CODES = new Set(["PreconditionFailed", "ConditionalRequestConflict"]);
const THROTTLE_CODES = new Set([
  "SlowDown",
  "Throttling",
  "ThrottlingException",
  "TooManyRequests",
  "TooManyRequestsException",
  "RequestLimitExceeded",
  "ServiceUnavailable",
]);

interface SdkLike {
  name?: string;
  code?: string;
  message?: string;
  errors?: unknown[];
  cause?: unknown;
  $metadata?: { httpStatusCode?: number };
}

/** Node reports a refused dual-stack connect as an AggregateError with an empty message. */
function networkCode(e: SdkLike): string | undefined {
  if (e.code && NETWORK_CODES.has(e.code)) return e.code;
  for (const inner of e.errors ?? []) {
    const c = networkCode(inner as SdkLike);
    if (c) return c;
  }
  return e.cause && typeof e.cause === "object" ? networkCode(e.cause as SdkLike) : undefined;
}

function detailOf(e: SdkLike): string {
  if (!e.message && e.errors?.length) return detailOf(e.errors[0] as SdkLike);
  // A HEAD error has no body: the SDK calls it "Unknown"/"UnknownError"; the status says more.
  const name = e.name && e.name !== "Error" && e.name !== "Unknown" ? e.name : undefined;
  const status = e.$metadata?.httpStatusCode;
  const msg =
    e.message && e.message !== name && e.message !== "UnknownError"
      ? e.message.replace(/^@smithy\/[\w-]+ - \[\w+\] /, "") // the SDK's log prefix
      : "";
  if (!name && !msg && status) return `HTTP ${status}`;
  const parts = [name, msg].filter(Boolean).join(": ");
  return status && !parts.includes(String(status)) ? `${parts} (HTTP ${status})` : parts;
}

/** Why a bucket call failed, and whether retrying soon is likely to help. */
export function classifyBucketError(err: unknown): {
  reason: BucketErrorReason;
  transient: boolean;
  detail: string;
} {
  if (err instanceof BucketError) {
    return { reason: err.reason, transient: err.transient, detail: err.detail };
  }
  const e = (typeof err === "object" && err !== null ? err : { message: String(err) }) as SdkLike;
  const name = e.name ?? "";
  const status = e.$metadata?.httpStatusCode;
  const detail = detailOf(e) || String(err);
  const net = networkCode(e);
  if (net || NETWORK_NAMES.has(name)) return { reason: "unreachable", transient: true, detail };
  if (AUTH_CODES.has(name) || status === 401 || status === 403) {
    return { reason: "access denied", transient: false, detail };
  }
  if (name === "NoSuchBucket") return { reason: "no such bucket", transient: false, detail };
  // 409 ConditionalRequestConflict: AWS's answer to two conditional writes racing on one key.
  if (PRECONDITION_CODES.has(name) || status === 412) {
    return { reason: "precondition failed", transient: true, detail };
  }
  if (REGION_CODES.has(name) || status === 301) {
    return { reason: "wrong region or endpoint", transient: false, detail };
  }
  if (THROTTLE_CODES.has(name) || status === 429 || status === 503) {
    return { reason: "throttled", transient: true, detail };
  }
  if (status !== undefined && status >= 500)
    return { reason: "server error", transient: true, detail };
  return { reason: "error", transient: false, detail };
}

/** A conditional write refused because the object is not (or no longer) the one we read. */
export function isPreconditionFailed(err: unknown): boolean {
  return classifyBucketError(err).reason === "precondition failed";
}

/** Network errors, 5xx and throttling: yes. Credentials, missing bucket, bad requests: no. */
export function isTransientBucketError(err: unknown): boolean {
  return classifyBucketError(err).transient;
}

/** "<bucket label>: <what>: <reason>: <detail>", with the classification kept. */
export class BucketError extends Error {
  constructor(
    readonly label: string,
    readonly reason: BucketErrorReason,
    readonly transient: boolean,
    readonly detail: string,
    options?: { cause?: unknown; what?: string },
  ) {
    super(`${label}: ${options?.what ? `${options.what}: ` : ""}${reason}: ${detail}`, {
      cause: options?.cause,
    });
    this.name = "BucketError";
  }

  static from(label: string, err: unknown, what?: string): BucketError {
    const c = classifyBucketError(err);
    return new BucketError(label, c.reason, c.transient, c.detail, { cause: err, what });
  }
}
