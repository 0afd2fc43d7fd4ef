/**
 * Least-privilege NATS permissions per livesync component. Whatever reaches the event stream,
 * the synchronizer applies to the destination with its write credentials: only the
 * events-listener (and its reconciler) may publish there; the synchronizer and archiver may
 * only read it through their own durable; the controller creates the streams and consumers;
 * nobody may delete a stream. The test environment and the Helm chart configure NATS from this.
 */
import { deadLetterSubject } from "./bus.js";
import { inboxPrefixOf } from "./connection.js";

export const NATS_ROLES = ["controller", "events-listener", "synchronizer", "archiver"] as const;
export type NatsRole = (typeof NATS_ROLES)[number];

export interface SubjectPermissions {
  publish: string[];
  subscribe: string[];
}

export interface BusNames {
  /** The event stream (default LIVESYNC_EVENTS). */
  stream?: string;
  /** Its subjects' prefix (default livesync.events). */
  subjectPrefix?: string;
  /** The durable consumer of each reading component. */
  durables?: { synchronizer: string; archiver: string };
}

/** Buckets beside the stream: out-of-band bodies (Object Store), tombstones and status (KV). */
export const bucketsOf = (stream: string) => ({
  payloads: `${stream}_PAYLOADS`,
  tombstones: `${stream}_TOMBSTONES`,
  status: `${stream}_STATUS`,
});

const api = (what: string) => `$JS.API.${what}`;

/** Read and write one KV bucket: keys, history and watches through short-lived consumers. */
function kvReadWrite(bucket: string): string[] {
  const s = `KV_${bucket}`;
  return [
    `$KV.${bucket}.>`,
    api(`STREAM.INFO.${s}`),
    api(`STREAM.MSG.GET.${s}`),
    api(`DIRECT.GET.${s}`),
    api(`DIRECT.GET.${s}.>`),
    // A bucket of one's own kind is created by whichever replica comes first: idempotent for
    // the same configuration, refused for another.
    api(`STREAM.CREATE.${s}`),
    api(`STREAM.UPDATE.${s}`),
    ...consumerOf(s, "*"),
    api(`CONSUMER.DELETE.${s}.*`),
  ];
}

/** Writes entries of one KV bucket without reading any (key names only, through stream info). */
function kvWriteOnly(bucket: string): string[] {
  const s = `KV_${bucket}`;
  return [`$KV.${bucket}.>`, ...["INFO", "CREATE", "UPDATE"].map((a) => api(`STREAM.${a}.${s}`))];
}

/** Reads the out-of-band bodies (Object Store): info, metadata, chunks by a short consumer. */
function objectRead(bucket: string): string[] {
  const s = `OBJ_${bucket}`;
  return [
    api(`STREAM.INFO.${s}`),
    api(`STREAM.MSG.GET.${s}`),
    api(`DIRECT.GET.${s}`),
    api(`DIRECT.GET.${s}.>`),
    ...consumerOf(s, "*"),
    api(`CONSUMER.DELETE.${s}.*`),
    // The body is read by an ordered push consumer, which answers the server's flow control.
    `$JS.FC.${s}.>`,
  ];
}

/** Create or look up one consumer of a stream. */
function consumerSetup(stream: string, durable: string): string[] {
  return [
    api(`CONSUMER.INFO.${stream}.${durable}`),
    api(`CONSUMER.CREATE.${stream}.${durable}`),
    api(`CONSUMER.CREATE.${stream}.${durable}.>`),
    api(`CONSUMER.DURABLE.CREATE.${stream}.${durable}`),
  ];
}

/** Create (or look up) and pull from one consumer of a stream, and acknowledge its messages. */
function consumerOf(stream: string, durable: string): string[] {
  return [
    ...consumerSetup(stream, durable),
    api(`CONSUMER.MSG.NEXT.${stream}.${durable}`),
    `$JS.ACK.${stream}.${durable}.>`,
  ];
}

/** The subjects each component may publish to and subscribe to. */
export function natsPermissions(names: BusNames = {}): Record<NatsRole, SubjectPermissions> {
  const stream = names.stream ?? "LIVESYNC_EVENTS";
  const prefix = names.subjectPrefix ?? "livesync.events";
  const durables = names.durables ?? { synchronizer: "synchronizer", archiver: "archiver" };
  const deadLetters = `${stream}_DEADLETTER`;
  const b = bucketsOf(stream);
  const events = `${prefix}.>`;
  const streams = [
    stream,
    deadLetters,
    `OBJ_${b.payloads}`,
    `KV_${b.tombstones}`,
    `KV_${b.status}`,
  ];
  const inbox = (role: NatsRole) => [`${inboxPrefixOf(role)}.>`];
  const reader = (role: NatsRole, durable: string): SubjectPermissions => ({
    publish: [
      api("INFO"),
      api(`STREAM.INFO.${stream}`),
      ...consumerOf(stream, durable),
      // A poison event goes to the dead-letter stream, never back to the event stream.
      deadLetterSubject(events),
      api(`STREAM.INFO.${deadLetters}`),
      ...objectRead(b.payloads),
      ...kvReadWrite(b.tombstones),
      ...kvReadWrite(b.status),
    ],
    subscribe: inbox(role),
  });
  return {
    controller: {
      publish: [
        api("INFO"),
        ...streams.flatMap((s) => ["INFO", "CREATE", "UPDATE"].map((a) => api(`STREAM.${a}.${s}`))),
        // The durables exist before anything is published; the controller never reads them.
        ...[durables.synchronizer, durables.archiver].flatMap((d) => consumerSetup(stream, d)),
        // Its status shows what waits and what failed, and what the other processes report.
        api(`STREAM.MSG.GET.${deadLetters}`),
        ...kvReadWrite(b.status),
        ...objectRead(b.payloads),
      ],
      subscribe: inbox("controller"),
    },
    "events-listener": {
      publish: [
        api("INFO"),
        events,
        api(`STREAM.INFO.${stream}`),
        // Waiting for the controller's streams reads their info, nothing else.
        api(`STREAM.INFO.${deadLetters}`),
        // Bodies above max_payload travel through the Object Store: chunks, then their metadata.
        `$O.${b.payloads}.C.>`,
        `$O.${b.payloads}.M.>`,
        api(`STREAM.INFO.OBJ_${b.payloads}`),
        api(`STREAM.MSG.GET.OBJ_${b.payloads}`),
        api(`DIRECT.GET.OBJ_${b.payloads}`),
        api(`DIRECT.GET.OBJ_${b.payloads}.>`),
        // Re-sending the same event after the dedupe window replaces its body's older chunks.
        api(`STREAM.PURGE.OBJ_${b.payloads}`),
        // Its own status report for the operator; it reads no bucket.
        ...kvWriteOnly(b.status),
      ],
      subscribe: inbox("events-listener"),
    },
    synchronizer: reader("synchronizer", durables.synchronizer),
    archiver: reader("archiver", durables.archiver),
  };
}
