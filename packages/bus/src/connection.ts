/**
 * How a process authenticates to NATS and verifies it: user and password (or a .creds file),
 * TLS with our CA (and a client certificate where the server asks for one), and the inbox
 * prefix its replies come back on. Built from flags and LIVESYNC_NATS_* variables by every
 * command, so a pod gets its credential from a Secret, never from its command line.
 */
import { readFileSync } from "node:fs";
import { credsAuthenticator, type ConnectionOptions } from "@nats-io/transport-node";

export interface NatsAuth {
  user?: string;
  password?: string;
  /** A NATS .creds file (JWT and nkey seed), for servers in operator mode. */
  credsFile?: string;
  /** PEM files: the CA that signed the server's certificate, and our own certificate and key. */
  tls?: { caFile?: string; certFile?: string; keyFile?: string };
  /**
   * Where replies come back. Per user (`_INBOX_<user>`) by default, so a server can let each
   * credential read its own replies and no one else's.
   */
  inboxPrefix?: string;
}

/** The connect options of the NATS client: servers, reconnecting forever, auth and TLS. */
export function connectOptions(url: string, auth: NatsAuth = {}): ConnectionOptions {
  // One server, or several comma-separated (the servers of a cluster).
  const servers = url
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  const opts: ConnectionOptions = {
    servers,
    name: "livesync",
    maxReconnectAttempts: -1,
    // The client otherwise builds two Error objects (stack traces) for every request, each
    // publish's ack included, in case it fails: about a tenth of the synchronizer's CPU in an
    // initial sync. Our errors carry their context in the message instead.
    noAsyncTraces: true,
  };
  if (auth.user) {
    opts.user = auth.user;
    opts.pass = auth.password;
  }
  if (auth.credsFile) opts.authenticator = credsAuthenticator(readFileSync(auth.credsFile));
  const prefix = auth.inboxPrefix ?? (auth.user ? inboxPrefixOf(auth.user) : undefined);
  if (prefix) opts.inboxPrefix = prefix;
  const { caFile, certFile, keyFile } = auth.tls ?? {};
  if (caFile || certFile || keyFile || url.startsWith("tls://")) {
    opts.tls = {
      ...(caFile ? { caFile } : {}),
      ...(certFile ? { certFile } : {}),
      ...(keyFile ? { keyFile } : {}),
    };
  }
  return opts;
}

/** The inbox prefix of a user: the server grants it `<prefix>.>` to subscribe. */
export function inboxPrefixOf(user: string): string {
  return `_INBOX_${user}`;
}

/** The flags every command that connects to NATS accepts (parseArgs options). */
export const NATS_AUTH_FLAGS = {
  "nats-user": { type: "string" },
  "nats-creds": { type: "string" },
  "nats-ca": { type: "string" },
  "nats-cert": { type: "string" },
  "nats-key": { type: "string" },
} as const;

export const NATS_AUTH_USAGE = `NATS authentication and TLS (flags, or the variables named):
  --nats-user U   (LIVESYNC_NATS_USER) with LIVESYNC_NATS_PASSWORD (never a flag: ps shows flags)
  --nats-creds F  (LIVESYNC_NATS_CREDS) a .creds file, for a server in operator (JWT) mode
  --nats-ca F     (LIVESYNC_NATS_CA) PEM CA that signed the server's certificate
  --nats-cert F --nats-key F  (LIVESYNC_NATS_CERT, LIVESYNC_NATS_KEY) client certificate (mTLS)
  LIVESYNC_NATS_INBOX_PREFIX  replies' subject prefix (default _INBOX_<user>)`;

type FlagValues = Partial<Record<keyof typeof NATS_AUTH_FLAGS, string | undefined>>;

/** NatsAuth from the flags (first) and the LIVESYNC_NATS_* variables; a half pair is an error. */
export function natsAuthFrom(flags: FlagValues, env: NodeJS.ProcessEnv = process.env): NatsAuth {
  const pick = (flag: keyof FlagValues, variable: string) =>
    flags[flag] || env[variable] || undefined;
  const user = pick("nats-user", "LIVESYNC_NATS_USER");
  const password = env.LIVESYNC_NATS_PASSWORD || undefined;
  if (password && !user) {
    throw new Error(
      "LIVESYNC_NATS_PASSWORD is set without a user (--nats-user or LIVESYNC_NATS_USER)",
    );
  }
  const certFile = pick("nats-cert", "LIVESYNC_NATS_CERT");
  const keyFile = pick("nats-key", "LIVESYNC_NATS_KEY");
  if (!certFile !== !keyFile) {
    throw new Error(
      "a client certificate needs both --nats-cert and --nats-key (or LIVESYNC_NATS_CERT and LIVESYNC_NATS_KEY)",
    );
  }
  const caFile = pick("nats-ca", "LIVESYNC_NATS_CA");
  const auth: NatsAuth = {};
  if (user) Object.assign(auth, { user, password });
  const credsFile = pick("nats-creds", "LIVESYNC_NATS_CREDS");
  if (credsFile) auth.credsFile = credsFile;
  if (caFile || certFile) {
    auth.tls = { ...(caFile ? { caFile } : {}), ...(certFile ? { certFile, keyFile } : {}) };
  }
  if (env.LIVESYNC_NATS_INBOX_PREFIX) auth.inboxPrefix = env.LIVESYNC_NATS_INBOX_PREFIX;
  return auth;
}
