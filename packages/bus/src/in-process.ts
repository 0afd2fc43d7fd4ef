import {
  deadLetterSubject,
  Limiter,
  RetryBudget,
  type ConsumeOptions,
  type DeadLetter,
  type Delivery,
  type EventBus,
  type Subscription,
} from "./bus.js";

interface Stored {
  seq: number;
  subject: string;
  data: Uint8Array;
}

interface Durable {
  next: number; // next sequence never delivered
  redeliver: { seq: number; attempt: number }[];
  inFlight: Set<number>;
  wake?: () => void;
}

/**
 * The bus in one process: same contract as JetStream (dedupe window, durable consumers,
 * redelivery with backoff, dead letters), nothing survives the process.
 */
export class InProcessBus implements EventBus {
  private readonly log: Stored[] = [];
  private readonly seen = new Map<string, number>();
  private readonly durables = new Map<string, Durable>();
  private readonly dead: DeadLetter[] = [];
  private closed = false;

  constructor(private readonly dedupeWindowMs = 120_000) {}

  async publish(subject: string, data: Uint8Array, id: string): Promise<{ duplicate: boolean }> {
    const now = Date.now();
    const at = this.seen.get(id);
    if (at !== undefined && now - at < this.dedupeWindowMs) return { duplicate: true };
    this.seen.set(id, now);
    this.log.push({ seq: this.log.length, subject, data });
    for (const d of this.durables.values()) d.wake?.();
    return { duplicate: false };
  }

  async ensureConsumer(durable: string): Promise<void> {
    if (!this.durables.has(durable)) {
      this.durables.set(durable, { next: this.log.length, redeliver: [], inFlight: new Set() });
    }
  }

  async consume(
    durable: string,
    handler: (d: Delivery) => Promise<void>,
    opts: ConsumeOptions = {},
  ): Promise<Subscription> {
    await this.ensureConsumer(durable);
    const state = this.durables.get(durable)!;
    const limiter = new Limiter(opts.concurrency ?? 16);
    const budget = new RetryBudget(opts);
    let running = true;

    const handle = async (msg: Stored, attempt: number) => {
      try {
        const failedAttempts = budget.failed(msg.seq);
        await handler({
          subject: msg.subject,
          data: msg.data,
          deliveryCount: attempt,
          failedAttempts,
        });
        budget.done(msg.seq);
      } catch (err) {
        const reason = err instanceof Error ? err.message : String(err);
        const next = budget.onFailure(msg.seq, attempt, err);
        if ("deadLetter" in next) {
          this.dead.push({
            subject: deadLetterSubject(msg.subject),
            data: msg.data,
            reason,
            attempts: attempt,
          });
        } else {
          setTimeout(() => {
            state.redeliver.push({ seq: msg.seq, attempt: attempt + 1 });
            state.wake?.();
          }, next.retryMs).unref();
          return; // still pending until redelivered
        }
      } finally {
        limiter.release();
      }
      state.inFlight.delete(msg.seq);
    };

    const loop = (async () => {
      while (running && !this.closed) {
        const retry = state.redeliver.shift();
        const seq = retry?.seq ?? (state.next < this.log.length ? state.next++ : undefined);
        if (seq === undefined) {
          await new Promise<void>((resolve) => (state.wake = resolve));
          state.wake = undefined;
          continue;
        }
        await limiter.acquire();
        state.inFlight.add(seq);
        void handle(this.log[seq]!, retry?.attempt ?? 1);
      }
    })();

    return {
      stop: async () => {
        running = false;
        state.wake?.();
        await loop;
        await limiter.idle();
      },
    };
  }

  async pending(durable: string): Promise<number> {
    const state = this.durables.get(durable);
    if (!state) return this.log.length;
    return this.log.length - state.next + state.inFlight.size;
  }

  async deadLetters(): Promise<DeadLetter[]> {
    return [...this.dead];
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const d of this.durables.values()) d.wake?.();
  }
}
