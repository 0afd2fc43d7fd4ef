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
  /** When the bus stored the message (ms since the epoch), where the bus tells. */
  storedAt?: number;
}

export interface ConsumeOptions {
  /** Messages handled at once. */
  concurrency?: number;
  /** Attempts before a message goes to the dead-letter subject. */
  maxAttempts?: number;
  /** Redelivery delay for attempt n (1-based). */
  retryDelayMs?: (attempt: number) => number;
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
