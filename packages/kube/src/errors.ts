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
