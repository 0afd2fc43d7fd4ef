/**
 * A kubeconfig read without @kubernetes/client-node: that library loads every generated API
 * model at import (about 90 MB of resident memory in each process), and most kubeconfigs need
 * only a server, its CA and a client certificate or token. Credentials that run code or speak
 * to an identity provider (exec, auth-provider) are left to client-node (`delegate`), loaded
 * only then.
 */
import { parse } from "yaml";

/** What a request to the cluster needs: where, how to check it, who we are. */
export interface Connection {
  server: URL;
  ca?: string | Buffer;
  cert?: string | Buffer;
  key?: string | Buffer;
  rejectUnauthorized: boolean;
  servername?: string;
  /** Sent with every request: the Authorization header (Bearer token or Basic credentials). */
  headers?: Record<string, string>;
}

/** A kubeconfig this reader does not handle itself; client-node does. */
export interface Delegated {
  delegate: string;
}

type Entry = Record<string, unknown>;

/**
 * The current context's connection. `readFile` reads the files a kubeconfig may name
 * (certificate-authority, client-certificate, client-key, tokenFile). Throws an Error naming
 * the field when the kubeconfig is not usable.
 */
export function connectionFromKubeconfig(
  text: string,
  readFile: (path: string) => string,
): Connection | Delegated {
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (err) {
    throw new KubeconfigError((err as Error).message.split("\n")[0]!);
  }
  if (!isEntry(doc)) throw new KubeconfigError("not a YAML mapping");
  const contextName = doc["current-context"];
  const context = contextName === undefined ? undefined : named(doc, "contexts", contextName);
  const clusterEntry = context && named(doc, "clusters", context["cluster"]);
  if (!context || !clusterEntry) throw new NoCurrentCluster();
  const user = context["user"] === undefined ? {} : (named(doc, "users", context["user"]) ?? {});
  for (const k of ["exec", "auth-provider"]) if (user[k] !== undefined) return { delegate: k };
  if (clusterEntry["proxy-url"] !== undefined) return { delegate: "proxy-url" };

  const server = clusterEntry["server"];
  if (typeof server !== "string" || !server) throw new KubeconfigError("cluster has no server");
  let url: URL;
  try {
    url = new URL(server);
  } catch {
    throw new KubeconfigError(`cluster server ${JSON.stringify(server)} is not a URL`);
  }
  const pem = (entry: Entry, field: string) => {
    const data = entry[`${field}-data`];
    if (typeof data === "string") return Buffer.from(data, "base64").toString("utf8");
    const file = entry[field];
    return typeof file === "string" ? readFile(file) : undefined;
  };
  const token =
    typeof user["token"] === "string"
      ? user["token"]
      : typeof user["tokenFile"] === "string"
        ? readFile(user["tokenFile"]).trim()
        : undefined;
  const basic =
    typeof user["username"] === "string"
      ? Buffer.from(`${user["username"]}:${String(user["password"] ?? "")}`).toString("base64")
      : undefined;
  return {
    server: url,
    ca: pem(clusterEntry, "certificate-authority"),
    cert: pem(user, "client-certificate"),
    key: pem(user, "client-key"),
    rejectUnauthorized: clusterEntry["insecure-skip-tls-verify"] !== true,
    servername:
      typeof clusterEntry["tls-server-name"] === "string"
        ? clusterEntry["tls-server-name"]
        : undefined,
    headers: token
      ? { authorization: `Bearer ${token}` }
      : basic
        ? { authorization: `Basic ${basic}` }
        : undefined,
  };
}

/** The pod's service account, as client-node's loadFromCluster reads it. */
export function inClusterConnection(
  env: NodeJS.ProcessEnv,
  readFile: (path: string) => string,
): Connection {
  const host = env.KUBERNETES_SERVICE_HOST;
  const port = env.KUBERNETES_SERVICE_PORT;
  if (!host || !port)
    throw new Error("not in a cluster: KUBERNETES_SERVICE_HOST/KUBERNETES_SERVICE_PORT unset");
  const dir = "/var/run/secrets/kubernetes.io/serviceaccount";
  return {
    server: new URL(`https://${host.includes(":") ? `[${host}]` : host}:${port}`),
    ca: readFile(`${dir}/ca.crt`),
    rejectUnauthorized: true,
    headers: { authorization: `Bearer ${readFile(`${dir}/token`).trim()}` },
  };
}

/** The kubeconfig cannot be read as one. */
export class KubeconfigError extends Error {}

/** It is a kubeconfig, but its current context names no cluster. */
export class NoCurrentCluster extends Error {
  constructor() {
    super("kubeconfig has no current cluster");
  }
}

const isEntry = (v: unknown): v is Entry =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/** The `field` (cluster, user, context) of the entry of `list` called `name`. */
function named(doc: Entry, list: string, name: unknown): Entry | undefined {
  const entries = doc[list];
  if (entries === undefined || entries === null) return undefined;
  if (!Array.isArray(entries)) throw new KubeconfigError(`${list} is not a list`);
  const found = entries.find((e) => isEntry(e) && e["name"] === name) as Entry | undefined;
  const field = list.slice(0, -1);
  if (found && !isEntry(found[field]))
    throw new KubeconfigError(`${list} entry ${JSON.stringify(name)} has no ${field}`);
  return found?.[field] as Entry | undefined;
}
