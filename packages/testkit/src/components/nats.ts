import { randomBytes } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { NatsAuthInfo, NatsNode } from "../env.js";
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

/** The name every node of a testkit NATS cluster shares. */
export const NATS_CLUSTER_NAME = "livesync-testenv";

/**
 * Writes the configuration of `size` JetStream nodes routed to each other (each its own ports
 * and store under `dir`) without starting them. A node restarted from its file keeps its ports,
 * name and store, as a pod of a StatefulSet would.
 */
export async function planNatsCluster(
  binary: string,
  dir: string,
  size: number,
  listen = "127.0.0.1",
): Promise<Omit<NatsNode, "pid">[]> {
  if (!Number.isInteger(size) || size < 1) {
    throw new Error(`a NATS cluster needs a whole number of nodes (1 or more), not ${size}`);
  }
  const ports = await freePorts(size * 3);
  const names = Array.from({ length: size }, (_, i) => `n${i + 1}`);
  const routePort = (i: number) => ports[i * 3 + 2]!;
  const routes = names.map((_, i) => `"nats-route://127.0.0.1:${routePort(i)}"`).join(", ");
  return names.map((name, i) => {
    const [port, monitorPort] = [ports[i * 3]!, ports[i * 3 + 1]!];
    const nodeDir = join(dir, name);
    mkdirSync(nodeDir, { recursive: true });
    const storeDir = join(dir, "jetstream", name);
    const config = join(nodeDir, "nats.conf");
    writeFileSync(
      config,
      [
        `server_name: "${name}"`,
        `listen: "${listen}:${port}"`,
        `http: "127.0.0.1:${monitorPort}"`,
        `jetstream { store_dir: "${storeDir}" }`,
        `cluster {`,
        `  name: "${NATS_CLUSTER_NAME}"`,
        `  listen: "127.0.0.1:${routePort(i)}"`,
        `  routes: [${routes}]`,
        `}`,
        "",
      ].join("\n"),
    );
    return {
      name,
      url: `nats://127.0.0.1:${port}`,
      monitorUrl: `http://127.0.0.1:${monitorPort}`,
      binary,
      config,
      storeDir,
      logFile: join(nodeDir, "nats.log"),
    };
  });
}

/** Starts one node from its configuration; resolves once its JetStream is enabled. */
export async function startNatsNode(
  registry: ProcessRegistry,
  node: Omit<NatsNode, "pid">,
): Promise<NatsNode> {
  const proc = registry.start({
    component: `nats-server ${node.name}`,
    binary: node.binary,
    args: ["-c", node.config],
    logFile: node.logFile,
  });
  await waitUntilReady(
    proc,
    () => httpOk(`${node.monitorUrl}/healthz?js-enabled-only=true`),
    30_000,
  );
  return { ...node, pid: proc.pid };
}

/**
 * True once the node's JetStream is fully healthy: in a cluster, a meta leader is elected and
 * every stream and consumer the node hosts has caught up.
 */
export function natsNodeHealthy(node: Pick<NatsNode, "monitorUrl">): Promise<boolean> {
  return httpOk(`${node.monitorUrl}/healthz`);
}
