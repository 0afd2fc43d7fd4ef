import { randomBytes } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { NatsAuthInfo } from "../env.js";
import { httpOk } from "../http.js";
import { createServingPki } from "../pki.js";
import { freePorts } from "../ports.js";
import { waitUntilReady, type ProcessRegistry, type StartedProcess } from "../process.js";

/** What a user may publish and subscribe to; absent: everything (the tests' own admin). */
export interface NatsUserPermissions {
  publish: string[];
  subscribe: string[];
}

/** NATS with TLS (our own CA) and one password user per entry, each with its permissions. */
export interface NatsAuthSetup {
  users: Record<string, NatsUserPermissions | undefined>;
}

export async function startNats(
  registry: ProcessRegistry,
  binary: string,
  dir: string,
  /** 0.0.0.0 when pods connect too. */
  listen = "127.0.0.1",
  auth?: NatsAuthSetup,
): Promise<{ url: string; monitorUrl: string; process: StartedProcess; auth?: NatsAuthInfo }> {
  const [port, monitorPort] = await freePorts(2);
  mkdirSync(dir, { recursive: true });
  const secured = auth ? writeSecuredConfig(dir, auth) : undefined;
  const proc = registry.start({
    component: "nats-server",
    binary,
    args: ["-js", "-sd", join(dir, "jetstream"), "-a", listen, "-p", `${port}`]
      .concat(["-m", `${monitorPort}`, "-n", "livesync-testenv"])
      .concat(secured ? ["-c", secured.config] : []),
    logFile: join(dir, "nats.log"),
  });
  const monitorUrl = `http://127.0.0.1:${monitorPort}`;
  await waitUntilReady(proc, () => httpOk(`${monitorUrl}/healthz?js-enabled-only=true`), 30_000);
  const url = `${secured ? "tls" : "nats"}://127.0.0.1:${port}`;
  return { url, monitorUrl, process: proc, ...(secured ? { auth: secured.info } : {}) };
}

/** nats.conf: TLS required of every client, and the users with their permissions. */
function writeSecuredConfig(dir: string, auth: NatsAuthSetup) {
  const pki = createServingPki(dir, "nats");
  const users = Object.entries(auth.users).map(([user, permissions]) => ({
    user,
    password: randomBytes(18).toString("base64url"),
    ...(permissions
      ? {
          permissions: {
            publish: { allow: permissions.publish },
            subscribe: { allow: permissions.subscribe },
          },
        }
      : {}),
  }));
  const conf = {
    tls: { cert_file: pki.servingCert, key_file: pki.servingKey, timeout: 5 },
    authorization: { users },
  };
  const config = join(dir, "nats.conf");
  // The NATS configuration format reads JSON.
  writeFileSync(config, JSON.stringify(conf, null, 2) + "\n", { mode: 0o600 });
  const info: NatsAuthInfo = {
    caFile: pki.caCert,
    users: Object.fromEntries(users.map((u) => [u.user, { user: u.user, password: u.password }])),
  };
  return { config, info };
}
