/**
 * A closed bus: a NATS of this file's own that requires TLS and a password, with the
 * per-component permissions of natsPermissions(). What reaches the event stream is applied to
 * the destination, so only the listener's credential may publish there, and it may do nothing
 * else; the readers may not publish events.
 */
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { connect as tcpConnect } from "node:net";
import { join } from "node:path";
import { jetstream, jetstreamManager, RetentionPolicy } from "@nats-io/jetstream";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually, repoRoot, startPrivateNats, type PrivateNats } from "@livesync/testkit";
import {
  bucketsOf,
  connectOptions,
  JetStreamBus,
  natsPermissions,
  PermanentError,
  type NatsAuth,
  type NatsRole,
} from "../src/index.js";

const STREAM = "LIVESYNC_EVENTS";
const enc = (s: string) => new TextEncoder().encode(s);
let nats: PrivateNats;
const open: ({ close(): Promise<void> } | { stop(): Promise<void> })[] = [];

/** The credential of a role: its user and password, and the CA that signed the server. */
function auth(role: NatsRole | "admin"): NatsAuth {
  const { user, password } = nats.auth!.users[role]!;
  return { user, password, tls: { caFile: nats.auth!.caFile } };
}

async function client(role: NatsRole | "admin"): Promise<NatsConnection> {
  const nc = await connect(connectOptions(nats.url, auth(role)));
  open.push({ close: () => nc.close() });
  return nc;
}

async function bus(role: NatsRole | "admin", provision = false): Promise<JetStreamBus> {
  const b = await JetStreamBus.connect({ url: nats.url, auth: auth(role), provision });
  open.push(b);
  return b;
}

/** What nats-server logged as permission violations since `from` (a byte offset). */
function violations(from: number): string[] {
  const log = readFileSync(join(nats.dir, "nats.log"), "utf8").slice(from);
  return log.split("\n").filter((l) => /Permissions Violation/i.test(l));
}
const logSize = () => readFileSync(join(nats.dir, "nats.log")).length;

/** Speaks the NATS protocol in the clear: sends `lines` after INFO, returns all it heard. */
function plaintextSession(lines: string): Promise<string> {
  const port = Number(new URL(nats.url).port);
  return new Promise((resolve, reject) => {
    const socket = tcpConnect({ host: "127.0.0.1", port });
    let heard = "";
    socket.on("data", (chunk) => {
      const first = !heard.includes("\r\n");
      heard += chunk.toString();
      if (first && heard.includes("\r\n")) socket.write(lines);
    });
    socket.on("close", () => resolve(heard));
    socket.on("error", reject);
    setTimeout(() => socket.destroy(), 5_000);
  });
}

beforeAll(async () => {
  nats = await startPrivateNats("nats-auth-bus", {
    auth: { users: { admin: undefined, ...natsPermissions() } },
    parentDir: join(repoRoot(), ".testenv-private"),
  });
  // The controller creates the streams and consumers; then the tombstone and status buckets
  // exist as the synchronizer's guards make them.
  await (await bus("controller", true)).close();
  const jsm = await jetstreamManager(await client("admin"));
  for (const bucket of [bucketsOf(STREAM).tombstones, bucketsOf(STREAM).status]) {
    await jsm.streams.add({
      name: `KV_${bucket}`,
      subjects: [`$KV.${bucket}.>`],
      retention: RetentionPolicy.Limits,
      max_msgs_per_subject: 1,
      allow_direct: true,
    });
  }
  await jetstream(await client("admin")).publish(`$KV.${bucketsOf(STREAM).tombstones}.k`, enc("t"));
});

afterAll(async () => {
  try {
    for (const o of open.splice(0).reverse()) {
      await ("stop" in o ? o.stop() : o.close()).catch(() => undefined);
    }
  } finally {
    await nats?.stop();
  }
});

describe("a NATS with authentication and TLS", () => {
  it("refuses a client without credentials", async () => {
    await expect(
      connect(connectOptions(nats.url, { tls: { caFile: nats.auth!.caFile } })),
    ).rejects.toThrow(/Authorization Violation/i);
  });

  it("refuses a client that does not speak TLS, even with a valid password", async () => {
    const { user, password } = nats.auth!.users["events-listener"]!;
    const from = logSize();
    const answer = await plaintextSession(
      `CONNECT ${JSON.stringify({ user, pass: password, verbose: true })}\r\nPING\r\n`,
    );
    expect(answer).toMatch(/"tls_required":true/);
    // Closed without +OK or PONG: nothing was accepted in the clear.
    expect(answer).not.toMatch(/\+OK|PONG/);
    expect(readFileSync(join(nats.dir, "nats.log"), "utf8").slice(from)).toMatch(
      /TLS handshake error/,
    );
  });

  it("refuses a client that does not trust the server's CA", async () => {
    const { user, password } = nats.auth!.users["events-listener"]!;
    await expect(connect({ servers: nats.url, user, pass: password, tls: {} })).rejects.toThrow();
  });
});

describe("per-component permissions", () => {
  it("with their own credentials the listener publishes (big bodies too) and the readers consume, with no violation", async () => {
    const from = logSize();
    const listener = await bus("events-listener");
    const sync = await bus("synchronizer");
    const archiver = await bus("archiver");
    const big = randomBytes(1_500_000);
    await listener.publish(
      "livesync.events.a",
      enc("small"),
      `s-${randomBytes(4).toString("hex")}`,
    );
    await listener.publish("livesync.events.a", big, `b-${randomBytes(4).toString("hex")}`);
    const got = { synchronizer: [] as number[], archiver: [] as number[] };
    open.push(
      await sync.consume("synchronizer", async (d) => {
        got.synchronizer.push(d.data.length);
        // A poison event: the synchronizer may put it on the dead-letter stream.
        if (d.data.length === big.length) throw new PermanentError("cannot apply");
      }),
    );
    open.push(
      await archiver.consume("archiver", async (d) => void got.archiver.push(d.data.length)),
    );
    await eventually(
      async () => (got.synchronizer.length >= 2 && got.archiver.length >= 2 ? true : undefined),
      { what: "both readers receive both messages" },
    );
    expect(got.synchronizer).toContain(big.length);
    expect(got.archiver).toContain(big.length);
    // The handlers saw both messages before their acks (and the poison event's dead letter)
    // reached the server: wait for the consumer to drain rather than read it once.
    await eventually(async () => ((await sync.pending("synchronizer")) === 0 ? true : undefined), {
      what: "the synchronizer's consumer to have nothing pending",
    });
    const admin = await JetStreamBus.connect({
      url: nats.url,
      auth: auth("admin"),
      provision: false,
    });
    open.push(admin);
    const dead = await eventually(
      async () => {
        const d = await admin.deadLetters();
        return d.length > 0 ? d : undefined;
      },
      { what: "the poison event's dead letter" },
    );
    expect(dead.map((d) => [d.reason, d.data.length])).toEqual([["cannot apply", big.length]]);
    expect(violations(from)).toEqual([]);
  });

  it("the listener's publish-only credential cannot consume, create or delete streams, or read the KV buckets", async () => {
    const nc = await client("events-listener");
    const jsm = await jetstreamManager(nc, { checkAPI: false });
    const js = jetstream(nc);
    const refused = /permission|violation/i;
    // Consume: neither the synchronizer's durable nor a consumer of its own.
    await expect(js.consumers.get(STREAM, "synchronizer")).rejects.toThrow(refused);
    await expect(
      jsm.consumers.add(STREAM, { durable_name: "eavesdrop", ack_policy: "explicit" as never }),
    ).rejects.toThrow(refused);
    await expect(jsm.streams.getMessage(STREAM, { seq: 1 })).rejects.toThrow(refused);
    // Streams: no new one, no delete, no purge, no reconfiguration.
    await expect(jsm.streams.add({ name: "EVIL", subjects: ["evil.>"] })).rejects.toThrow(refused);
    await expect(jsm.streams.delete(STREAM)).rejects.toThrow(refused);
    await expect(jsm.streams.purge(STREAM)).rejects.toThrow(refused);
    await expect(jsm.streams.update(STREAM, { max_age: 1 })).rejects.toThrow(refused);
    // KV buckets: no read by API, direct get, consumer or plain subscription.
    const kv = `KV_${bucketsOf(STREAM).tombstones}`;
    await expect(
      jsm.streams.getMessage(kv, { last_by_subj: `$KV.${bucketsOf(STREAM).tombstones}.k` }),
    ).rejects.toThrow(refused);
    await expect(jsm.streams.info(kv)).rejects.toThrow(refused);
    await expect(jsm.consumers.add(kv, { ack_policy: "none" as never })).rejects.toThrow(refused);
    const sub = nc.subscribe(`$KV.${bucketsOf(STREAM).tombstones}.>`);
    await expect(
      (async () => {
        for await (const m of sub) return m;
      })(),
    ).rejects.toThrow(refused);
    const events = nc.subscribe("livesync.events.>");
    await expect(
      (async () => {
        for await (const m of events) return m;
      })(),
    ).rejects.toThrow(refused);
    // And the stream is still there, untouched.
    const admin = await jetstreamManager(await client("admin"));
    expect((await admin.streams.info(STREAM)).config.subjects).toEqual(["livesync.events.>"]);
  });

  it("the synchronizer's credential cannot publish events into LIVESYNC_EVENTS, nor delete it", async () => {
    const admin = await jetstreamManager(await client("admin"));
    const before = (await admin.streams.info(STREAM)).state.messages;
    const nc = await client("synchronizer");
    const js = jetstream(nc);
    await expect(
      js.publish("livesync.events.injected", enc("{}"), { msgID: "injected", timeout: 3_000 }),
    ).rejects.toThrow(/permission|violation/i);
    // A plain publish is dropped by the server, not stored.
    nc.publish("livesync.events.injected", enc("{}"));
    await nc.flush();
    const jsm = await jetstreamManager(nc, { checkAPI: false });
    await expect(jsm.streams.delete(STREAM)).rejects.toThrow(/permission|violation/i);
    await expect(jsm.streams.purge(STREAM)).rejects.toThrow(/permission|violation/i);
    // Nor through the archiver's durable.
    await expect(jetstream(nc).consumers.get(STREAM, "archiver")).rejects.toThrow(
      /permission|violation/i,
    );
    expect((await admin.streams.info(STREAM)).state.messages).toBe(before);
  });
});
