import { Agent, request, type RequestOptions } from "node:https";
import { request as httpRequest, Agent as HttpAgent } from "node:http";
import type { IncomingMessage } from "node:http";
import type { KubeConfig } from "@kubernetes/client-node";
import type { Connection } from "./kubeconfig.js";
import { KubeApiError } from "./errors.js";

export type Query = Record<string, string | number | boolean | undefined>;

export interface KubeRequestOptions {
  query?: Query;
  body?: unknown;
  /** Default application/json; apply-patch+yaml, json-patch+json, merge-patch+json for PATCH. */
  contentType?: string;
  /** Default application/json; e.g. PartialObjectMetadataList for metadata-only lists. */
  accept?: string;
  signal?: AbortSignal;
}

/**
 * A thin REST client for one cluster. We speak raw JSON (not client-node's typed models, which
 * turn timestamps into Dates and drop unknown fields) and keep one keep-alive agent per cluster.
 * Credentials and TLS come from the kubeconfig (kubeconfig.ts).
 */
export class KubeRest {
  private constructor(
    readonly server: URL,
    private readonly headers: Record<string, string>,
    private readonly agent: Agent | HttpAgent,
  ) {}

  /** From a client-node KubeConfig (tests, tools); services read kubeconfigs with Cluster. */
  static async fromKubeConfig(
    kc: KubeConfig,
    opts: { maxSockets?: number } = {},
  ): Promise<KubeRest> {
    const cluster = kc.getCurrentCluster();
    if (!cluster) throw new Error("kubeconfig has no current cluster");
    const options: RequestOptions = {};
    await kc.applyToHTTPSOptions(options);
    return KubeRest.fromConnection(
      {
        server: new URL(cluster.server),
        ca: options.ca as Connection["ca"],
        cert: options.cert as Connection["cert"],
        key: options.key as Connection["key"],
        rejectUnauthorized: options.rejectUnauthorized !== false,
        servername: options.servername,
        headers: options.headers as Record<string, string> | undefined,
      },
      opts,
    );
  }

  static fromConnection(c: Connection, opts: { maxSockets?: number } = {}): KubeRest {
    const agentOptions = { keepAlive: true, maxSockets: opts.maxSockets ?? 64 };
    const agent =
      c.server.protocol === "https:"
        ? new Agent({
            ...agentOptions,
            ca: c.ca,
            cert: c.cert,
            key: c.key,
            rejectUnauthorized: c.rejectUnauthorized,
            servername: c.servername,
          })
        : new HttpAgent(agentOptions);
    return new KubeRest(c.server, c.headers ?? {}, agent);
  }

  close(): void {
    this.agent.destroy();
  }

  /** One JSON request; non-2xx answers throw KubeApiError with the apiserver's Status. */
  async request<T = unknown>(
    method: string,
    path: string,
    opts: KubeRequestOptions = {},
  ): Promise<T> {
    const res = await this.send(method, path, opts);
    const text = await readBody(res);
    const status = res.statusCode ?? 0;
    if (status < 200 || status >= 300) throw KubeApiError.fromResponse(method, path, status, text);
    return (text ? JSON.parse(text) : undefined) as T;
  }

  /** A streaming GET (watch): the response is handed over unread; the caller consumes lines. */
  async stream(
    path: string,
    query: Query,
    signal: AbortSignal,
    accept?: string,
  ): Promise<IncomingMessage> {
    const res = await this.send("GET", path, { query, signal, accept });
    const status = res.statusCode ?? 0;
    if (status < 200 || status >= 300) {
      throw KubeApiError.fromResponse("GET", path, status, await readBody(res));
    }
    return res;
  }

  private send(method: string, path: string, opts: KubeRequestOptions): Promise<IncomingMessage> {
    const url = new URL(path, this.server);
    for (const [k, v] of Object.entries(opts.query ?? {})) {
      if (v !== undefined) url.searchParams.set(k, String(v));
    }
    const body = opts.body === undefined ? undefined : JSON.stringify(opts.body);
    const headers: Record<string, string> = {
      ...this.headers,
      accept: opts.accept ?? "application/json",
    };
    if (body !== undefined) {
      headers["content-type"] = opts.contentType ?? "application/json";
      headers["content-length"] = String(Buffer.byteLength(body));
    }
    const send = url.protocol === "https:" ? request : httpRequest;
    return new Promise((resolve, reject) => {
      const req = send(url, { method, headers, agent: this.agent, signal: opts.signal }, resolve);
      req.on("error", reject);
      if (body !== undefined) req.write(body);
      req.end();
    });
  }
}

function readBody(res: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = "";
    res.setEncoding("utf8");
    res.on("data", (chunk: string) => (text += chunk));
    res.on("end", () => resolve(text));
    res.on("error", reject);
  });
}
