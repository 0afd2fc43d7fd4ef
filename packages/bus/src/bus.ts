/**
 * The event bus contract. Bytes in, bytes out: the envelope format belongs to @livesync/core.
 * Two implementations pass one contract suite: JetStream (production) and in-process (a laptop,
 * `livesync run` without --nats).
 */
export interface Delivery {
  subject: string;
  data: Uint8Array;
  /** 1 on first delivery, more on redeliveries. */
  deliveryCount: number;
  /**
   * Earlier attempts that counted against maxAttempts (failures not `isTransient`), as far as
   * this process knows: a message that waited out an outage still has its whole budget.
   */
  failedAttempts: number;
}

export interface ConsumeOptions {
  /** Messages handled at once. */
  concurrency?: number;
  /** Attempts before a message goes to the dead-letter subject. */
  maxAttempts?: number;
  /** Redelivery delay for attempt n (1-based). */
  retryDelayMs?: (attempt: number) => number;
  /**
   * Failures that say nothing about the message (its destination is unreachable): retried with
   * the capped backoff for as long as they last, never dead-lettered, never counted against
   * maxAttempts.
   */
  isTransient?: (err: unknown) => boolean;
}

export interface Subscription {
  stop(): Promise<void>;
}

export interface DeadLetter {
  subject: string;
  data: Uint8Array;
  reason: string;
  attempts: number;
}

export interface EventBus {
  /**
   * Publishes once per id within the dedupe window; a repeat is acknowledged as duplicate.
   * Rejects with a PermanentError for a message that can never be carried (retrying is useless);
   * any other rejection is transient (bus unreachable).
   */
  publish(subject: string, data: Uint8Array, id: string): Promise<{ duplicate: boolean }>;
  /**
   * Durable consumption: every message is handed to `handler` until it returns (ack). A throw
   * redelivers later; after maxAttempts, or at once for a PermanentError, the message goes to
   * the dead-letter subject with the reason, and the rest keep flowing.
   */
  consume(
    durable: string,
    handler: (d: Delivery) => Promise<void>,
    opts?: ConsumeOptions,
  ): Promise<Subscription>;
  /** Creates the durable consumer if missing, so nothing published from now on is missed. */
  ensureConsumer(durable: string): Promise<void>;
  /** Messages not yet acknowledged by `durable` (waiting plus in flight). */
  pending(durable: string): Promise<number>;
  deadLetters(): Promise<DeadLetter[]>;
  close(): Promise<void>;
}

/**
 * Thrown by a handler for a message that can never succeed (garbage, invalid): no retries. Also
 * thrown by publish for a message that can never be carried: a failure of that one message,
 * unlike an outage.
 */
export class PermanentError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PermanentError";
  }
}

/** A message bigger than anything the bus carries, even out of band. */
export class PayloadTooLargeError extends PermanentError {
  constructor(size: number, limit: number) {
    super(`message of ${size} bytes is larger than the bus limit of ${limit} bytes`);
    this.name = "PayloadTooLargeError";
  }
}

export const defaultRetryDelay = (attempt: number) => Math.min(100 * 2 ** (attempt - 1), 30_000);

export const DEAD_LETTER_PREFIX = "livesync.deadletter";

/** The dead-letter subject of a message: the same tokens under the dead-letter prefix. */
export function deadLetterSubject(subject: string): string {
  return `${DEAD_LETTER_PREFIX}.${subject}`;
}

/**
 * What a failed attempt of a message leads to: the dead-letter stream (a PermanentError, or
 * maxAttempts failures that were not transient) or a redelivery after the backoff. Counts are
 * per stream sequence and in memory: a restart only ever grants more attempts, never fewer.
 */
export class RetryBudget {
  private readonly failures = new Map<number, number>();
  private readonly maxAttempts: number;
  private readonly retryDelay: (attempt: number) => number;
  private readonly isTransient: (err: unknown) => boolean;

  constructor(opts: ConsumeOptions) {
    this.maxAttempts = opts.maxAttempts ?? 5;
    this.retryDelay = opts.retryDelayMs ?? defaultRetryDelay;
    this.isTransient = opts.isTransient ?? (() => false);
  }

  /** Failures of `seq` so far that counted. */
  failed(seq: number): number {
    return this.failures.get(seq) ?? 0;
  }

  /** After attempt `attempt` of `seq` failed with `err`: dead-letter it, or retry after a delay. */
  onFailure(
    seq: number,
    attempt: number,
    err: unknown,
  ): { deadLetter: true } | { retryMs: number } {
    if (err instanceof PermanentError) {
      this.done(seq);
      return { deadLetter: true };
    }
    if (this.isTransient(err)) return { retryMs: this.retryDelay(attempt) };
    const failed = this.failed(seq) + 1;
    if (failed >= this.maxAttempts) {
      this.done(seq);
      return { deadLetter: true };
    }
    // Another replica may finish what this one failed: never let the map grow without bound.
    if (this.failures.size >= 100_000) this.failures.clear();
    this.failures.set(seq, failed);
    return { retryMs: this.retryDelay(failed) };
  }

  /** The message is acknowledged (or dead-lettered): forget it. */
  done(seq: number): void {
    this.failures.delete(seq);
  }
}

/** Runs async work with at most `limit` in flight. */
export class Limiter {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly limit: number) {}

  async acquire(): Promise<void> {
    if (this.active < this.limit) {
      this.active++;
      return;
    }
    await new Promise<void>((resolve) => this.waiting.push(resolve));
  }

  release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.active--;
  }

  async idle(): Promise<void> {
    while (this.active > 0) await new Promise((r) => setTimeout(r, 10));
  }
}
