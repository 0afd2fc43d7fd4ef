import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";

export interface HttpResult {
  status: number;
  body: string;
}

/** A small GET for readiness probes: no retries, short timeout. */
export function httpGet(
  url: string,
  opts: {
    token?: string;
    ca?: string | Buffer;
    timeoutMs?: number;
    /** False for a component's self-signed health endpoint on loopback. */
    verifyTls?: boolean;
  } = {},
): Promise<HttpResult> {
  const u = new URL(url);
  const request = u.protocol === "https:" ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = request(
      u,
      {
        method: "GET",
        ca: opts.ca,
        rejectUnauthorized: opts.verifyTls ?? true,
        headers: opts.token ? { authorization: `Bearer ${opts.token}` } : {},
        timeout: opts.timeoutMs ?? 2_000,
      },
      (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => (body += chunk));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on("timeout", () => req.destroy(new Error(`GET ${url} timed out`)));
    req.on("error", reject);
    req.end();
  });
}

export async function httpOk(url: string, opts?: Parameters<typeof httpGet>[1]): Promise<boolean> {
  const res = await httpGet(url, opts);
  return res.status >= 200 && res.status < 300;
}

/** A JSON POST for setup steps; 409 AlreadyExists counts as done. */
export function httpPost(url: string, token: string, ca: Buffer, body: unknown): Promise<void> {
  const data = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      new URL(url),
      {
        method: "POST",
        ca,
        headers: {
          authorization: `Bearer ${token}`,
          "content-type": "application/json",
          "content-length": Buffer.byteLength(data),
        },
      },
      (res) => {
        let text = "";
        res.on("data", (c: Buffer) => (text += c.toString()));
        res.on("end", () => {
          const status = res.statusCode ?? 0;
          if ((status >= 200 && status < 300) || status === 409) resolve();
          else reject(new Error(`POST ${url}: ${status} ${text.slice(0, 300)}`));
        });
      },
    );
    req.on("error", reject);
    req.end(data);
  });
}
