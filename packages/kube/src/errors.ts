/** A non-2xx answer from the apiserver, with its Status reason and message. */
export class KubeApiError extends Error {
  constructor(
    readonly status: number,
    readonly reason: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = "KubeApiError";
  }

  static fromResponse(method: string, path: string, status: number, text: string): KubeApiError {
    let reason = "";
    let message = text.slice(0, 500);
    let details: unknown;
    try {
      const s = JSON.parse(text) as { reason?: string; message?: string; details?: unknown };
      reason = s.reason ?? "";
      message = s.message ?? message;
      details = s.details;
    } catch {
      /* not a Status object */
    }
    return new KubeApiError(
      status,
      reason,
      `${method} ${path}: ${status} ${reason}: ${message}`,
      details,
    );
  }
}

export const isNotFound = (e: unknown) => e instanceof KubeApiError && e.status === 404;
export const isConflict = (e: unknown) => e instanceof KubeApiError && e.status === 409;
export const isGone = (e: unknown) => e instanceof KubeApiError && e.status === 410;
export const isInvalid = (e: unknown) => e instanceof KubeApiError && e.status === 422;

/** One entry of a Status's details.causes: which field, and what is wrong with it. */
export interface StatusCause {
  reason?: string;
  message?: string;
  field?: string;
}

/** The causes of a Status error (details.causes), empty when it has none. */
export function statusCauses(e: unknown): StatusCause[] {
  if (!(e instanceof KubeApiError)) return [];
  const causes = (e.details as { causes?: unknown } | undefined)?.causes;
  return Array.isArray(causes) ? (causes as StatusCause[]) : [];
}

/**
 * The write was refused because it changes a field that cannot change once set: reason
 * Invalid (422) with a field cause saying so. The apiserver has no cause type of its own for
 * this: immutable fields are reported as FieldValueInvalid "field is immutable" (Deployment
 * selector, Job template), FieldValueInvalid "may not change once set" (Service clusterIPs),
 * FieldValueForbidden "field is immutable when `immutable` is set" (ConfigMap, Secret) or
 * "spec is immutable after creation…" (PersistentVolumeClaim), and CEL rules of CRDs by their
 * own message ("Value is immutable").
 */
export function isImmutableFieldChange(e: unknown): boolean {
  if (!(e instanceof KubeApiError) || e.status !== 422 || e.reason !== "Invalid") return false;
  return statusCauses(e).some(
    (c) =>
      (c.reason === "FieldValueInvalid" || c.reason === "FieldValueForbidden") &&
      /immutable|may not change/i.test(c.message ?? ""),
  );
}

/** Worth retrying: throttling, server errors, timeouts and connection failures. */
export function isTransient(e: unknown): boolean {
  if (e instanceof KubeApiError) return e.status === 429 || e.status >= 500;
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  return [
    "ECONNREFUSED",
    "ECONNRESET",
    "ETIMEDOUT",
    "EPIPE",
    "EAI_AGAIN",
    "UND_ERR_SOCKET",
  ].includes(code ?? "");
}
