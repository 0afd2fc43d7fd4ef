import {
  AckPolicy,
  DeliverPolicy,
  jetstream,
  jetstreamManager,
  RetentionPolicy,
  StorageType,
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg,
} from "@nats-io/jetstream";
import { connect, headers, nanos, type NatsConnection } from "@nats-io/transport-node";
import {
  DEAD_LETTER_PREFIX,
  deadLetterSubject,
  defaultRetryDelay,
  Limiter,
  PermanentError,
  type ConsumeOptions,
  type DeadLetter,
  type Delivery,
  type EventBus,
  type Subscription,
} from "./bus.js";
import { awaitStreams } from "./await-streams.js";
import { connectOptions, type NatsAuth } from "./connection.js";
import { OutOfBandPayloads, referenceOf, withReference } from "./payloads.js";

export interface JetStreamBusOptions {
  url: string;
  /** Stream holding the events; one per installation. */
  stream?: string;
  /** Subjects the stream captures, e.g. "livesync.events.>". */
  subjects?: string[];
  /** How long events are kept even when every consumer has acknowledged them. */
  maxAgeMs?: number;
  /** Publishes with the same id within this window are dropped by the server. */
  dedupeWindowMs?: number;
  ackWaitMs?: number;
  /**
   * Largest message carried at all (default 16 MiB); a bigger publish fails with
   * PayloadTooLargeError. Messages above the server's max_payload travel out of band.
   */
  maxMessageBytes?: number;
  /** User and password or .creds, TLS files (connection.ts). */
  auth?: NatsAuth;
  /**
   * Create or update the streams and the payload bucket (default true). A least-privilege
   * credential cannot: it waits for them to exist (the controller creates them).
   */
  provision?: boolean;
}

const DEAD_LETTER_STREAM_SUFFIX = "_DEADLETTER";
/** The Object Store bucket of bodies too big for one message. */
const PAYLOAD_BUCKET_SUFFIX = "_PAYLOADS";

/**
 * JetStream: a limits-retention stream (several durable consumers read every event: the
 * synchronizer and the archiver), server-side dedupe by Nats-Msg-Id, explicit acks, and our own
 * dead-letter stream so a poison message stops blocking nothing. Messages above the server's
 * max_payload keep their place in the stream with their body out of band (see payloads.ts).
 */
export class JetStreamBus implements EventBus {
  private constructor(
    private readonly nc: NatsConnection,
    private readonly jsm: JetStreamManager,
    private readonly js: JetStreamClient,
    private readonly payloads: OutOfBandPayloads,
    private readonly opts: Required<JetStreamBusOptions>,
  ) {}

  static async connect(options: JetStreamBusOptions): Promise<JetStreamBus> {
    const opts: Required<JetStreamBusOptions> = {
      stream: "LIVESYNC_EVENTS",
      subjects: ["livesync.events.>"],
      maxAgeMs: 72 * 3_600_000,
      dedupeWindowMs: 10 * 60_000,
      ackWaitMs: 30_000,
      maxMessageBytes: 16 * 1024 * 1024,
      auth: {},
      provision: true,
      ...options,
    };
    const nc = await connect(connectOptions(opts.url, opts.auth));
    const jsm = await jetstreamManager(nc);
    if (!opts.provision)
      await awaitStreams(jsm, [opts.stream, `${opts.stream}${DEAD_LETTER_STREAM_SUFFIX}`]);
    const payloads = await OutOfBandPayloads.open(nc, jsm, {
      bucket: `${opts.stream}${PAYLOAD_BUCKET_SUFFIX}`,
      ttlMs: opts.maxAgeMs,
      dedupeWindowMs: opts.dedupeWindowMs,
      maxBytes: opts.maxMessageBytes,
      create: opts.provision,
    });
    const bus = new JetStreamBus(nc, jsm, jetstream(nc), payloads, opts);
    if (opts.provision) await bus.ensureStreams();
    return bus;
  }

  private get deadLetterStream() {
    return `${this.opts.stream}${DEAD_LETTER_STREAM_SUFFIX}`;
  }

  private async ensureStreams(): Promise<void> {
    const streams = [
      {
        name: this.opts.stream,
        subjects: this.opts.subjects,
        retention: RetentionPolicy.Limits,
        storage: StorageType.File,
        max_age: nanos(this.opts.maxAgeMs),
        duplicate_window: nanos(this.opts.dedupeWindowMs),
      },
      {
        name: this.deadLetterStream,
        subjects: this.opts.subjects.map((s) => deadLetterSubject(s)),
        retention: RetentionPolicy.Limits,
        storage: StorageType.File,
        max_age: nanos(this.opts.maxAgeMs),
      },
    ];
    for (const config of streams) {
      try {
        await this.jsm.streams.info(config.name);
        await this.jsm.streams.update(config.name, config);
      } catch {
        await this.jsm.streams.add(config);
      }
    }
  }

  async publish(subject: string, data: Uint8Array, id: string): Promise<{ duplicate: boolean }> {
    const carried = await this.payloads.carry(data, id);
    const ack = await this.js.publish(subject, carried.data, {
      msgID: id,
      headers: carried.headers,
    });
    return { duplicate: ack.duplicate };
  }

  async ensureConsumer(durable: string): Promise<void> {
    try {
      await this.jsm.consumers.info(this.opts.stream, durable);
    } catch {
      await this.jsm.consumers.add(this.opts.stream, {
        durable_name: durable,
        ack_policy: AckPolicy.Explicit,
        deliver_policy: DeliverPolicy.All,
        ack_wait: nanos(this.opts.ackWaitMs),
        max_ack_pending: 2_000,
      });
    }
  }

  async consume(
    durable: string,
    handler: (d: Delivery) => Promise<void>,
    opts: ConsumeOptions = {},
  ): Promise<Subscription> {
    await this.ensureConsumer(durable);
    const consumer = await this.js.consumers.get(this.opts.stream, durable);
    const concurrency = opts.concurrency ?? 16;
    const maxAttempts = opts.maxAttempts ?? 5;
    const retryDelay = opts.retryDelayMs ?? defaultRetryDelay;
    const limiter = new Limiter(concurrency);
    const messages = await consumer.consume({ max_messages: Math.max(concurrency * 4, 64) });

    const handle = async (m: JsMsg) => {
      const attempt = m.info.deliveryCount;
      // Long handlers keep the message: tell the server we are still working on it.
      const keepAlive = setInterval(() => m.working(), this.opts.ackWaitMs / 2);
      try {
        const data = await this.payloads.resolve(m.data, m.headers);
        await handler({ subject: m.subject, data, deliveryCount: attempt });
        m.ack();
      } catch (err) {
        const reason = err instanceof Error ? err.message : String(err);
        if (err instanceof PermanentError || attempt >= maxAttempts) {
          await this.deadLetter(m, reason, attempt);
          m.term(reason.slice(0, 200));
        } else {
          m.nak(retryDelay(attempt));
        }
      } finally {
        clearInterval(keepAlive);
        limiter.release();
      }
    };

    const loop = (async () => {
      for await (const m of messages) {
        await limiter.acquire();
        void handle(m);
      }
    })();

    return {
      stop: async () => {
        await messages.close();
        await loop;
        await limiter.idle();
      },
    };
  }

  /** Republishes the message as it came: a big one keeps its reference, not the bytes. */
  private async deadLetter(m: JsMsg, reason: string, attempts: number) {
    const h = withReference(headers(), referenceOf(m.headers));
    h.set("Livesync-Reason", reason.replace(/[\r\n]+/g, " ").slice(0, 1_000));
    h.set("Livesync-Attempts", String(attempts));
    await this.js.publish(deadLetterSubject(m.subject), m.data, { headers: h });
  }

  async pending(durable: string): Promise<number> {
    const info = await this.jsm.consumers.info(this.opts.stream, durable);
    return info.num_pending + info.num_ack_pending;
  }

  async deadLetters(): Promise<DeadLetter[]> {
    const out: DeadLetter[] = [];
    const info = await this.jsm.streams.info(this.deadLetterStream);
    for (
      let seq = info.state.first_seq;
      seq <= info.state.last_seq && info.state.messages > 0;
      seq++
    ) {
      const m = await this.jsm.streams.getMessage(this.deadLetterStream, { seq }).catch(() => null);
      if (!m) continue;
      out.push({
        subject: m.subject,
        // A body gone from the bucket leaves the (empty) message data; the reason still tells.
        data: await this.payloads.resolve(m.data, m.header).catch(() => m.data),
        reason: m.header?.get("Livesync-Reason") ?? "",
        attempts: Number(m.header?.get("Livesync-Attempts") ?? 0),
      });
    }
    return out;
  }

  async close(): Promise<void> {
    await this.nc.drain();
  }
}

export { DEAD_LETTER_PREFIX };
