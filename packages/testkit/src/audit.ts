import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import type { ClusterEndpoint } from "./env.js";

export interface AuditedRequest {
  verb: string;
  requestURI: string;
  user: string;
  code?: number;
  at: string;
}

const WRITE_VERBS = new Set(["create", "update", "patch", "delete", "deletecollection"]);

/**
 * Write requests a user made to a cluster, read from the apiserver's audit log (the testkit's
 * policy logs every write, allowed or denied). Proves "never write to the source".
 */
export function auditedWrites(
  cluster: ClusterEndpoint,
  user: string,
  since = new Date(0),
): AuditedRequest[] {
  if (!cluster.auditLog)
    throw new Error("this cluster has no audit log (not started by the testkit)");
  const out: AuditedRequest[] = [];
  for (const line of auditLines(cluster.auditLog, since)) {
    let e: {
      verb: string;
      requestURI: string;
      user?: { username?: string };
      responseStatus?: { code?: number };
      requestReceivedTimestamp: string;
    };
    try {
      e = JSON.parse(line);
    } catch {
      continue; // the line the apiserver is writing right now
    }
    if (e.user?.username !== user || !WRITE_VERBS.has(e.verb)) continue;
    if (new Date(e.requestReceivedTimestamp) < since) continue;
    out.push({
      verb: e.verb,
      requestURI: e.requestURI,
      user,
      code: e.responseStatus?.code,
      at: e.requestReceivedTimestamp,
    });
  }
  return out;
}

/**
 * The lines of the audit log and of its rotated files (`<name>-<time>.log`, written when it
 * reaches its maximum size) last written since `since`, oldest first.
 */
function* auditLines(log: string, since: Date): Generator<string> {
  const dir = dirname(log);
  const stem = basename(log, ".log");
  const rotated = existsSync(dir)
    ? readdirSync(dir)
        .filter((f) => f.startsWith(`${stem}-`) && f.endsWith(".log"))
        .map((f) => join(dir, f))
        .filter((f) => statSync(f).mtime >= since)
        .sort()
    : [];
  for (const file of [...rotated, ...(existsSync(log) ? [log] : [])]) {
    for (const line of readFileSync(file, "utf8").split("\n")) if (line) yield line;
  }
}
