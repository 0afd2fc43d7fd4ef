// A small key-value bucket on JetStream, laid out as NATS KV buckets are (stream KV_<bucket>,
// subjects $KV.<bucket>.<key>, one message kept per key, entries expiring with max_age), so
// `nats kv` inspects it. Only what livesync needs: reads that go to the stream leader (so a
// read after a write sees it), writes guarded by the key's revision, and listing.

import {
  JetStreamApiCodes,
  JetStreamApiError,
  RetentionPolicy,
  StorageType,
  type JetStreamClient,
  type JetStreamManager,
} from "@nats-io/jetstream";
import { nanos } from "@nats-io/transport-node";

export interface KeyValueEntry {
  value: Uint8Array;
  /** The stream sequence of the write: what update() expects. */
  revision: number;
  /** When the entry was written. */
  time: Date;
}

/** A revision-guarded key-value store; entries expire a TTL after their last write. */
export interface KeyValue {
  get(key: string): Promise<KeyValueEntry | undefined>;
  /** Writes only where no entry is; false when another writer created it first. */
  create(key: string, value: Uint8Array): Promise<boolean>;
  /** Writes only over `revision`; false when another writer wrote the key since. */
  update(key: string, value: Uint8Array, revision: number): Promise<boolean>;
  put(key: string, value: Uint8Array): Promise<void>;
  /** Every live entry whose key starts with `prefix` (a whole "."-token prefix, or all). */
  entries(prefix?: string): Promise<Map<string, KeyValueEntry>>;
}

export interface KeyValueOptions {
  /** Entries expire this long after their last write. */
  ttlMs: number;
  /** Stream replicas: a clustered bus keeps the bucket on as many servers as its events. */
  replicas?: number;
}

/** Keys are "."-separated tokens of [-/_=a-zA-Z0-9]: encodes anything else in one token. */
export function kvToken(part: string): string {
  if (part === "") return "=";
  return part.replace(/[^-\w]/g, (c) =>
    [...Buffer.from(c, "utf8")].map((b) => `=${b.toString(16).padStart(2, "0")}`).join(""),
  );
}

const isWrongLastSequence = (err: unknown) =>
  err instanceof JetStreamApiError &&
  (err.code === JetStreamApiCodes.StreamWrongLastSequence ||
    err.code === JetStreamApiCodes.StreamWrongLastSequenceUnknown);

/** Opens (creating or updating) the bucket `name`. */
export async function openKeyValue(
  jsm: JetStreamManager,
  js: JetStreamClient,
  name: string,
  opts: KeyValueOptions,
): Promise<KeyValue> {
  if (!/^[-\w]+$/.test(name))
    throw new Error(`key-value bucket name ${JSON.stringify(name)}: only [-_a-zA-Z0-9]`);
  const stream = `KV_${name}`;
  const prefix = `$KV.${name}.`;
  const config = {
    name: stream,
    subjects: [`${prefix}>`],
    retention: RetentionPolicy.Limits,
    storage: StorageType.File,
    max_msgs_per_subject: 1,
    max_age: nanos(opts.ttlMs),
    num_replicas: opts.replicas ?? 1,
    allow_rollup_hdrs: true,
    deny_delete: true,
  };
  try {
    const info = await jsm.streams.info(stream);
    if (
      info.config.max_age !== config.max_age ||
      info.config.num_replicas !== config.num_replicas
    ) {
      await jsm.streams.update(stream, { ...info.config, ...config });
    }
  } catch (err) {
    if (!(err instanceof JetStreamApiError) || err.code !== JetStreamApiCodes.StreamNotFound) {
      throw err;
    }
    await jsm.streams.add(config);
  }

  const entryOf = (m: { data: Uint8Array; seq: number; time: Date }): KeyValueEntry => ({
    value: m.data,
    revision: m.seq,
    time: m.time,
  });
  const guarded = async (key: string, value: Uint8Array, lastSubjectSequence: number) => {
    try {
      await js.publish(`${prefix}${key}`, value, { expect: { lastSubjectSequence } });
      return true;
    } catch (err) {
      if (isWrongLastSequence(err)) return false;
      throw err;
    }
  };

  return {
    async get(key) {
      const m = await jsm.streams.getMessage(stream, { last_by_subj: `${prefix}${key}` });
      return m ? entryOf(m) : undefined;
    },
    create: (key, value) => guarded(key, value, 0),
    update: (key, value, revision) => guarded(key, value, revision),
    async put(key, value) {
      await js.publish(`${prefix}${key}`, value);
    },
    async entries(keyPrefix) {
      const filter = keyPrefix ? `${prefix}${keyPrefix}.>` : `${prefix}>`;
      const info = await jsm.streams.info(stream, { subjects_filter: filter });
      const out = new Map<string, KeyValueEntry>();
      for (const subject of Object.keys(info.state.subjects ?? {})) {
        const m = await jsm.streams.getMessage(stream, { last_by_subj: subject });
        if (m) out.set(subject.slice(prefix.length), entryOf(m));
      }
      return out;
    },
  };
}
