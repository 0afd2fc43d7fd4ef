/**
 * Waiting for a NATS that is not up yet. A pod and its NATS start together: crashing instead
 * would put the pod in CrashLoopBackOff, whose back-off outlasts the moment NATS comes up. An
 * answer from NATS (a refused credential) or a bad certificate still fails at once.
 */

const NOT_UP_CODES = new Set([
  "ECONNREFUSED",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ETIMEDOUT",
  "ECONNRESET",
]);

/** NATS not reachable yet: worth waiting for, unlike an error it answers with. */
export function isNatsNotUp(err: unknown): boolean {
  const e = err as { name?: string; message?: string; code?: string; cause?: { code?: string } };
  if (!e || typeof e !== "object") return false;
  if (NOT_UP_CODES.has(e.code ?? "") || NOT_UP_CODES.has(e.cause?.code ?? "")) return true;
  return (
    (e.name === "ConnectionError" && e.message === "connection refused") ||
    e.name === "TimeoutError" ||
    // JetStream not started yet on a server that has just come up.
    e.name === "NoResponders"
  );
}

export interface WaitForNatsOptions {
  /** Called before each wait, with the error that made it. */
  onWaiting?: (err: Error) => void;
  /** The first wait; each next one doubles, up to `maxDelayMs`. */
  firstDelayMs?: number;
  maxDelayMs?: number;
}

/** Runs `connect` until it succeeds or fails with something other than "NATS not up yet". */
export async function whenNatsUp<T>(
  connect: () => Promise<T>,
  { onWaiting, firstDelayMs = 500, maxDelayMs = 5_000 }: WaitForNatsOptions = {},
): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await connect();
    } catch (err) {
      if (!isNatsNotUp(err)) throw err;
      onWaiting?.(err as Error);
      const delay = Math.min(firstDelayMs * 2 ** attempt, maxDelayMs);
      await new Promise((r) => setTimeout(r, delay));
    }
  }
}
