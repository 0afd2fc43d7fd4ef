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
  Limiter,
  RetryBudget,
  type ConsumeOptions,
  type DeadLetter,
  type Delivery,
  type EventBus,
  type Subscription,
} from "./bus.js";
import { awaitStreams } from "./await-streams.js";
import { connectOptions, type NatsAuth } from "./connection.js";
import { openKeyValue, type KeyValue } from "./kv.js";
import { OutOfBandPayloads, referenceOf, withReference } from "./payloads.js";
import { autoReplicas, checkReplicas, differs, replicasFor, withRetries } from "./replicas.js";

export interface JetStreamBusOptions {
  /** One server, or several comma-separated (the servers of a cluster). */
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
  /**
   * Copies of each stream, consumer and bucket (1 to 5). Default: 3 when the server is part of
   * a cluster of three or more, otherwise 1; the default never lowers an existing stream's.
   */
  replicas?: number;
  /** How long a publish retries through a leader election or a reconnect before failing. */
  publishRetryMs?: number;
  /** User and password or .creds, TLS files (connection.ts). */
  auth?: NatsAuth;
  /**
   * Create or update the streams and the payload bucket (default true). A least-privilege
   * credential cannot: it waits for them to exist (the controller creates them).
   */
  provision?: boolean;
}

type ResolvedOptions = Required<Omit<JetStreamBusOptions, "replicas">> & {
  replicas: number | undefined;
};

const DEAD_LETTER_STREAM_SUFFIX = "_DEADLETTER";
/** No delivery for this long while messages wait: the pull is presumed lost and renewed. */
const STALL_MS = 45_000;
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
    private readonly opts: ResolvedOptions,
    /** Replicas for what this bus creates when it is not told (from the server's cluster). */
    private readonly autoReplicas: number,
  ) {}

  static async connect(options: JetStreamBusOptions): Promise<JetStreamBus> {
    const opts: ResolvedOptions = {
      stream: "LIVESYNC_EVENTS",
      subjects: ["livesync.events.>"],
      maxAgeMs: 72 * 3_600_000,
      dedupeWindowMs: 10 * 60_000,
      ackWaitMs: 30_000,
      maxMessageBytes: 16 * 1024 * 1024,
      publishRetryMs: 60_000,
      replicas: undefined,
      auth: {},
      provision: true,
      ...options,
    };
    if (opts.replicas !== undefined) checkReplicas(opts.replicas, "JetStreamBusOptions");
    const nc = await connect(connectOptions(opts.url, opts.auth));
    try {
      const jsm = await jetstreamManager(nc);
      if (!opts.provision) {
        await awaitStreams(jsm, [opts.stream, `${opts.stream}${DEAD_LETTER_STREAM_SUFFIX}`]);
      }
      const auto = autoReplicas(nc.info);
      const payloads = await OutOfBandPayloads.open(nc, jsm, {
        bucket: `${opts.stream}${PAYLOAD_BUCKET_SUFFIX}`,
        ttlMs: opts.maxAgeMs,
        dedupeWindowMs: opts.dedupeWindowMs,
        maxBytes: opts.maxMessageBytes,
        replicas: (existing) => replicasFor(opts.replicas, auto, existing),
        create: opts.provision,
      });
      const bus = new JetStreamBus(nc, jsm, jetstream(nc), payloads, opts, auto);
      if (opts.provision) await bus.ensureStreams();
      return bus;
    } catch (err) {
      // A caller that retries must not leave a connection behind for every attempt.
      await nc.close().catch(() => undefined);
      throw err;
    }
  }

  private get deadLetterStream() {
    return `${this.opts.stream}${DEAD_LETTER_STREAM_SUFFIX}`;
  }

  /**
   * The replicas of the events stream: what a bucket or stream livesync adds beside it (for
   * example a key-value bucket) should use too.
   */
  async replicas(): Promise<number> {
    const info = await this.jsm.streams.info(this.opts.stream);
    return info.config.num_replicas;
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
      const existing = await this.jsm.streams.info(config.name).catch(() => undefined);
      const num_replicas = replicasFor(
        this.opts.replicas,
        this.autoReplicas,
        existing?.config.num_replicas,
      );
      const wanted = { ...config, num_replicas };
      try {
        // Only a real change is sent: nats-server 2.11 can drop a clustered stream that was
        // updated (even to the same config) when every node is killed before its next snapshot.
        if (!existing) await this.jsm.streams.add(wanted);
        else if (differs(wanted, existing.config)) {
          await this.jsm.streams.update(config.name, wanted);
        }
      } catch (err) {
        throw new Error(
          `JetStream stream ${config.name} with ${num_replicas} replica(s): ${(err as Error).message}`,
          { cause: err },
        );
      }
    }
  }

  async publish(subject: string, data: Uint8Array, id: string): Promise<{ duplicate: boolean }> {
    // Through a leader election the same id is sent again: the server's dedupe drops a repeat
    // whose first attempt landed but whose ack was lost.
    return withRetries(async () => {
      const carried = await this.payloads.carry(data, id);
      const ack = await this.js.publish(subject, carried.data, {
        msgID: id,
        headers: carried.headers,
      });
      return { duplicate: ack.duplicate };
    }, this.opts.publishRetryMs);
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
    const budget = new RetryBudget(opts);
    const limiter = new Limiter(concurrency);
    const pull = { max_messages: Math.max(concurrency * 4, 64) };
    let messages = await consumer.consume(pull);
    let stopped = false;
    let lastDelivery = Date.now();

    const handle = async (m: JsMsg) => {
      const attempt = m.info.deliveryCount;
      // Long handlers keep the message: tell the server we are still working on it.
      const keepAlive = setInterval(() => m.working(), this.opts.ackWaitMs / 2);
      try {
        const data = await this.payloads.resolve(m.data, m.headers);
        const failedAttempts = budget.failed(m.seq);
        const storedAt = m.info.timestampNanos / 1e6;
        await handler({
          subject: m.subject,
          data,
          deliveryCount: attempt,
          failedAttempts,
          storedAt,
        });
        budget.done(m.seq);
        m.ack();
      } catch (err) {
        const reason = err instanceof Error ? err.message : String(err);
        const next = budget.onFailure(m.seq, attempt, err);
        if ("deadLetter" in next) {
          await this.deadLetter(m, reason, attempt);
          m.term(reason.slice(0, 200));
        } else {
          m.nak(next.retryMs);
        }
      } finally {
        clearInterval(keepAlive);
        limiter.release();
      }
    };

    // The client ends a pull loop on some answers of a consumer whose leader is being elected
    // (or that was briefly unknown): consume again until stopped, so a node lost stops nothing.
    const loop = (async () => {
      for (;;) {
        try {
          for await (const m of messages) {
            lastDelivery = Date.now();
            await limiter.acquire();
            void handle(m);
          }
        } catch {
          /* ended with an error: consume again below */
        }
        if (stopped) return;
        await new Promise((r) => setTimeout(r, 1_000));
        if (stopped) return;
        try {
          messages = await (await this.js.consumers.get(this.opts.stream, durable)).consume(pull);
          if (stopped) await messages.close(); // stop() closed the previous one meanwhile
        } catch {
          /* no leader yet: try again */
        }
      }
    })();

    // A pull aimed at a consumer leader that died can stay unanswered: when nothing came for a
    // while although the server holds messages for us, pull afresh (the loop above consumes again).
    const watchdog = setInterval(async () => {
      if (stopped || Date.now() - lastDelivery < STALL_MS) return;
      const info = await this.jsm.consumers.info(this.opts.stream, durable).catch(() => undefined);
      if (info && info.num_pending + info.num_ack_pending > 0 && !stopped) {
        lastDelivery = Date.now();
        await messages.close().catch(() => undefined);
      }
    }, STALL_MS / 2);

    return {
      stop: async () => {
        stopped = true;
        clearInterval(watchdog);
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
    await withRetries(
      () => this.js.publish(deadLetterSubject(m.subject), m.data, { headers: h }),
      this.opts.publishRetryMs,
    );
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

  /**
   * The installation's key-value bucket `<stream>_<suffix>` (tombstones, status reports),
   * replicated like the events stream.
   */
  async keyValue(suffix: string, opts: { ttlMs: number }): Promise<KeyValue> {
    return openKeyValue(this.jsm, this.js, `${this.opts.stream}_${suffix}`, {
      ...opts,
      replicas: await this.replicas(),
    });
  }

  async close(): Promise<void> {
    await this.nc.drain();
  }
}

export { DEAD_LETTER_PREFIX };
