import { existsSync, readFileSync } from "node:fs";
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
  if (!existsSync(cluster.auditLog)) return [];
  const out: AuditedRequest[] = [];
  for (const line of readFileSync(cluster.auditLog, "utf8").split("\n")) {
    if (!line) continue;
    const e = JSON.parse(line) as {
      verb: string;
      requestURI: string;
      user?: { username?: string };
      responseStatus?: { code?: number };
      requestReceivedTimestamp: string;
    };
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
