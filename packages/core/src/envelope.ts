// The one event envelope on the bus, its message id (JetStream dedupe), subject and codec.

import { groupVersion, gvrKey, namespacedName } from "@livesync/api";
import type { Gvr, KubeObject } from "./types.js";
import { isRecord } from "./util.js";

export type EventType = "ADDED" | "MODIFIED" | "DELETED" | "RESYNC" | "PRUNE";

export const EVENT_TYPES: readonly EventType[] = [
  "ADDED",
  "MODIFIED",
  "DELETED",
  "RESYNC",
  "PRUNE",
];

export interface SyncEvent {
  type: EventType;
  /** Owning LiveSynchronization, "<namespace>/<name>". */
  liveSync: string;
  gvr: Gvr;
  kind: string;
  apiVersion: string;
  namespaced: boolean;
  namespace?: string;
  name: string;
  uid: string;
  sourceResourceVersion: string;
  /** ISO 8601 time the listener observed the change. */
  observedAt: string;
  /** The sanitised original; absent for DELETED/PRUNE. */
  object?: KubeObject;
  /** Which spec.config.replication.resources[] entry selected the object (its transformation). */
  resourceIndex?: number;
  /** Set by the reconciler on a RESYNC for a hand-edited copy: re-apply even if versions match. */
  repair?: boolean;
}

/** True for the event types that carry an object to apply. */
export function isApplyEvent(type: EventType): boolean {
  return type === "ADDED" || type === "MODIFIED" || type === "RESYNC";
}

/**
 * JetStream `Nats-Msg-Id`: the same change seen twice (listener restart, relist) is dropped by
 * the server inside its dedupe window. RESYNC events use the same formula on purpose: a
 * resync of an unchanged version carries the same state, so dropping the repeat is harmless,
 * and a resync of a changed version has a new resourceVersion hence a new id.
 */
export function messageId(
  e: Pick<SyncEvent, "liveSync" | "uid" | "sourceResourceVersion" | "type">,
): string {
  return `${e.liveSync}/${e.uid}/${e.sourceResourceVersion}/${e.type}`;
}

function splitLiveSync(liveSync: string): [string, string] {
  const parts = liveSync.split("/");
  if (parts.length !== 2 || !parts[0] || !parts[1]) {
    throw new Error(`liveSync must be "<namespace>/<name>", got ${JSON.stringify(liveSync)}`);
  }
  return [parts[0], parts[1]];
}

/**
 * `<prefix>.<namespace>.<name>`. NATS tokens cannot contain dots, Kubernetes names can; they can
 * never contain `_`, so `.` -> `_` is reversible.
 */
export function subjectFor(prefix: string, liveSync: string): string {
  const [ns, name] = splitLiveSync(liveSync);
  return `${prefix}.${ns.replaceAll(".", "_")}.${name.replaceAll(".", "_")}`;
}

/** The liveSync of a subject made by subjectFor(prefix, ...), or undefined if it is not one. */
export function parseSubject(prefix: string, subject: string): string | undefined {
  if (!subject.startsWith(`${prefix}.`)) return undefined;
  const tokens = subject.slice(prefix.length + 1).split(".");
  if (tokens.length !== 2 || !tokens[0] || !tokens[1]) return undefined;
  return `${tokens[0].replaceAll("_", ".")}/${tokens[1].replaceAll("_", ".")}`;
}

/** `<gvrKey>/<namespace>/<name>`; the namespace is empty for cluster-scoped objects. */
export function objectKey(e: Pick<SyncEvent, "gvr" | "namespace" | "name">): string {
  return `${gvrKey(e.gvr)}/${namespacedName(e.namespace, e.name)}`;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });

export function encodeEvent(e: SyncEvent): Uint8Array {
  return encoder.encode(JSON.stringify(e));
}

/** A message that is not a valid SyncEvent: a poison message, never retried. */
export class EventDecodeError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid sync event: ${problems.join("; ")}`);
    this.name = "EventDecodeError";
  }
}

const nonEmpty = (v: unknown): v is string => typeof v === "string" && v.length > 0;

/** Every problem of a decoded value (empty when it is a valid SyncEvent). */
export function validateEvent(v: unknown): string[] {
  if (!isRecord(v)) return ["not a JSON object"];
  const p: string[] = [];
  const need = (field: string) => {
    if (!nonEmpty(v[field])) p.push(`${field}: must be a non-empty string`);
  };
  if (!EVENT_TYPES.includes(v.type as EventType)) {
    p.push(`type: must be one of ${EVENT_TYPES.join(", ")}, got ${JSON.stringify(v.type)}`);
  }
  if (!nonEmpty(v.liveSync) || !/^[^/]+\/[^/]+$/.test(v.liveSync)) {
    p.push('liveSync: must be "<namespace>/<name>"');
  }
  const g = v.gvr;
  if (
    !isRecord(g) ||
    typeof g.group !== "string" ||
    !nonEmpty(g.version) ||
    !nonEmpty(g.resource)
  ) {
    p.push("gvr: must be {group, version, resource} (group may be empty)");
  }
  for (const f of ["kind", "apiVersion", "name", "uid", "sourceResourceVersion", "observedAt"])
    need(f);
  if (nonEmpty(v.observedAt) && Number.isNaN(Date.parse(v.observedAt))) {
    p.push("observedAt: not an ISO 8601 time");
  }
  if (typeof v.namespaced !== "boolean") p.push("namespaced: must be a boolean");
  if (v.namespaced === true && !nonEmpty(v.namespace)) {
    p.push("namespace: required for a namespaced resource");
  }
  if (v.namespaced === false && v.namespace !== undefined) {
    p.push("namespace: must be absent for a cluster-scoped resource");
  }
  if (v.namespace !== undefined && typeof v.namespace !== "string") {
    p.push("namespace: must be a string");
  }
  const o = v.object;
  if (o === undefined) {
    if (isApplyEvent(v.type as EventType)) p.push(`object: required for ${String(v.type)}`);
  } else if (!isRecord(o) || !isRecord(o.metadata)) {
    p.push("object: must be a Kubernetes object with metadata");
  } else {
    if (o.kind !== v.kind) p.push(`object.kind: ${JSON.stringify(o.kind)} differs from kind`);
    if (o.apiVersion !== v.apiVersion) {
      p.push(`object.apiVersion: ${JSON.stringify(o.apiVersion)} differs from apiVersion`);
    }
    if (o.metadata.name !== v.name) {
      p.push(`object.metadata.name: ${JSON.stringify(o.metadata.name)} differs from name`);
    }
    if (o.metadata.namespace !== v.namespace) {
      p.push(
        `object.metadata.namespace: ${JSON.stringify(o.metadata.namespace)} differs from namespace`,
      );
    }
  }
  return p;
}

/** Parses and validates a message; throws EventDecodeError listing every problem. */
export function decodeEvent(bytes: Uint8Array | string): SyncEvent {
  let text: string;
  try {
    text = typeof bytes === "string" ? bytes : decoder.decode(bytes);
  } catch {
    throw new EventDecodeError(["not valid UTF-8"]);
  }
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (err) {
    throw new EventDecodeError([`not JSON (${err instanceof Error ? err.message : String(err)})`]);
  }
  const problems = validateEvent(v);
  if (problems.length > 0) throw new EventDecodeError(problems);
  return v as SyncEvent;
}

/** What an event needs to know about the object's resource. */
export interface EventResource extends Gvr {
  kind: string;
  namespaced: boolean;
}

/** The envelope for one observed object; the listener and the reconciler build them alike. */
export function makeEvent(
  type: EventType,
  liveSync: string,
  resource: EventResource,
  observed: KubeObject,
  extra: {
    object?: KubeObject;
    resourceIndex?: number;
    repair?: boolean;
    resourceVersion?: string;
  } = {},
): SyncEvent {
  const event: SyncEvent = {
    type,
    liveSync,
    gvr: { group: resource.group, version: resource.version, resource: resource.resource },
    kind: resource.kind,
    apiVersion: groupVersion(resource),
    namespaced: resource.namespaced,
    namespace: resource.namespaced ? observed.metadata.namespace : undefined,
    name: observed.metadata.name,
    uid: observed.metadata.uid ?? "",
    sourceResourceVersion: extra.resourceVersion ?? observed.metadata.resourceVersion ?? "",
    observedAt: new Date().toISOString(),
    object: extra.object,
  };
  if (extra.resourceIndex !== undefined) event.resourceIndex = extra.resourceIndex;
  if (extra.repair) event.repair = true;
  return event;
}
