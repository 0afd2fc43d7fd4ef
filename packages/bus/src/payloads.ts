import { createHash } from "node:crypto";
import type { JetStreamManager } from "@nats-io/jetstream";
import { Objm, StorageType, type ObjectStore } from "@nats-io/obj";
import { headers, nanos, type MsgHdrs, type NatsConnection } from "@nats-io/transport-node";
import { PayloadTooLargeError, PermanentError } from "./bus.js";

/** Names the out-of-band body of a message whose own data is then empty. */
export const PAYLOAD_REF_HEADER = "Livesync-Payload-Ref";

/** Room left below max_payload for the headers we add (message id, dead-letter reason). */
const HEADER_ROOM = 8 * 1024;
/** nats-server's default max_payload, should the server not say. */
const DEFAULT_MAX_PAYLOAD = 1024 * 1024;

export interface OutOfBandOptions {
  /** Object Store bucket holding the bodies. */
  bucket: string;
  /** Bodies expire with the messages naming them: the stream's max age. */
  ttlMs: number;
  /** The server's dedupe window: a body this recent is reused by a publish with the same id. */
  dedupeWindowMs: number;
  /** Larger messages are refused with PayloadTooLargeError. */
  maxBytes: number;
  /** The bucket's replicas, given the count it has now (undefined: it is new). */
  replicas: (existing: number | undefined) => number;
  /** Create the bucket (or bring its TTL in step); false opens an existing one as it is. */
  create?: boolean;
}

/** What to publish for one message: its data inline, or an empty body and a reference. */
export interface Carried {
  data: Uint8Array;
  headers?: MsgHdrs;
}

/**
 * Messages larger than the server's max_payload (1 MiB by default, while a Kubernetes object may
 * be 1.5 MiB before base64) travel out of band: the body goes to a JetStream Object Store bucket
 * that expires it with the stream, and the message carries only a header naming it. Consumers
 * resolve the reference before the handler sees the message.
 */
export class OutOfBandPayloads {
  private constructor(
    private readonly nc: NatsConnection,
    private readonly store: ObjectStore,
    private readonly opts: OutOfBandOptions,
  ) {}

  static async open(
    nc: NatsConnection,
    jsm: JetStreamManager,
    opts: OutOfBandOptions,
  ): Promise<OutOfBandPayloads> {
    if (opts.create === false) {
      return new OutOfBandPayloads(nc, await new Objm(nc).open(opts.bucket), opts);
    }
    const ttl = nanos(opts.ttlMs);
    const objm = new Objm(nc);
    const existing = await objm.open(opts.bucket).then(
      (s) => s.status(),
      () => undefined,
    );
    const replicas = opts.replicas(existing?.replicas);
    const store = await objm.create(opts.bucket, { ttl, storage: StorageType.File, replicas });
    // create() opens an existing bucket as it is: keep its TTL in step with the stream's max age
    // and its replicas in step with the stream's.
    const { streamInfo } = await store.status();
    const { max_age, num_replicas } = streamInfo.config;
    if (max_age !== ttl || num_replicas !== replicas) {
      await jsm.streams.update(streamInfo.config.name, {
        ...streamInfo.config,
        max_age: ttl,
        num_replicas: replicas,
      });
    }
    return new OutOfBandPayloads(nc, store, opts);
  }

  /** What to publish for `data`: itself when it fits the connection's max_payload. */
  async carry(data: Uint8Array, id: string): Promise<Carried> {
    const maxPayload = this.nc.info?.max_payload ?? DEFAULT_MAX_PAYLOAD;
    if (data.length <= maxPayload - HEADER_ROOM) return { data };
    if (data.length > this.opts.maxBytes) {
      throw new PayloadTooLargeError(data.length, this.opts.maxBytes);
    }
    const name = createHash("sha256").update(id).digest("hex");
    // A repeated publish of the same id reuses the body: the server drops the repeated reference
    // anyway, and rewriting would purge chunks a consumer may be reading.
    if (!(await this.isRecent(name))) await this.store.putBlob({ name }, data);
    return { data: new Uint8Array(0), headers: withReference(headers(), name) };
  }

  /** The message's real data: its own, or the body its reference names. */
  async resolve(data: Uint8Array, hdrs: MsgHdrs | undefined): Promise<Uint8Array> {
    const name = referenceOf(hdrs);
    if (!name) return data;
    const body = await this.store.getBlob(name);
    if (!body) {
      throw new PermanentError(
        `message body ${name} is missing from object store bucket ${this.opts.bucket} (expired after the stream's max age, or deleted)`,
      );
    }
    return body;
  }

  private async isRecent(name: string): Promise<boolean> {
    const info = await this.store.info(name);
    return (
      !!info && !info.deleted && Date.now() - Date.parse(info.mtime) < this.opts.dedupeWindowMs
    );
  }
}

export function referenceOf(hdrs: MsgHdrs | undefined): string | undefined {
  return hdrs?.get(PAYLOAD_REF_HEADER) || undefined;
}

/** Sets the reference header, if any, on `hdrs` (a dead letter keeps its message's reference). */
export function withReference(hdrs: MsgHdrs, name: string | undefined): MsgHdrs {
  if (name) hdrs.set(PAYLOAD_REF_HEADER, name);
  return hdrs;
}
