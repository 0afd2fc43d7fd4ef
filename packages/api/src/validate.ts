// validateObject: one entry point for a whole object (apiVersion, kind, metadata, spec, status):
// envelope checks, then the schema, then semantic checks; every error, each with its path.

import { semanticErrors } from "./semantic.js";
import { KIND_NAMES, KINDS, apiVersionOf, type KindInfo, type KindName } from "./schemas.js";
import { checkSchema, isRecord, type ValidationError } from "./structural.js";
import type { LivesyncObject } from "./types.js";

export type { ValidationError } from "./structural.js";
export { parseDuration, resyncPeriodMs, DEFAULT_RESYNC_PERIOD_MS } from "./duration.js";
export { filtersMayOverlap } from "./resources.js";

export type ValidationResult<T = LivesyncObject> =
  { ok: true; value: T } | { ok: false; errors: ValidationError[] };

/** "spec.config.sourceName: required field is missing"; just the message for a whole document. */
export const formatError = (e: ValidationError): string =>
  e.path ? `${e.path}: ${e.message}` : e.message;

const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const TOP_LEVEL = ["apiVersion", "kind", "metadata", "spec", "status"];

/** The upstream product's groups; its documented YAML only needs a new apiVersion. */
const UPSTREAM_GROUP = /\.astronetes\.io$/;

const groupOf = (apiVersion: string): string =>
  apiVersion.includes("/") ? apiVersion.slice(0, apiVersion.indexOf("/")) : "";

/** True for apiVersions that belong to this API or to the upstream product it mirrors. */
export function isLivesyncApiVersion(apiVersion: unknown): boolean {
  if (typeof apiVersion !== "string") return false;
  const group = groupOf(apiVersion);
  return UPSTREAM_GROUP.test(group) || KIND_NAMES.some((k) => KINDS[k].group === group);
}

/** Resolves the kind, reporting apiVersion/kind mistakes; undefined when it cannot be known. */
function resolveKind(
  doc: Record<string, unknown>,
  errors: ValidationError[],
): KindInfo | undefined {
  const { apiVersion, kind } = doc;
  if (typeof apiVersion !== "string")
    errors.push({
      path: "apiVersion",
      message: apiVersion === undefined ? "required field is missing" : "must be of type string",
    });
  if (typeof kind !== "string") {
    errors.push({
      path: "kind",
      message: kind === undefined ? "required field is missing" : "must be of type string",
    });
    return undefined;
  }
  const info = KIND_NAMES.includes(kind as KindName) ? KINDS[kind as KindName] : undefined;
  if (!info) {
    const group = typeof apiVersion === "string" ? groupOf(apiVersion) : "";
    const inGroup = KIND_NAMES.filter((k) => KINDS[k].group === group);
    const known = (inGroup.length ? inGroup : KIND_NAMES).map((k) => `"${k}"`).join(", ");
    errors.push({ path: "kind", message: `unsupported kind "${kind}"; supported kinds: ${known}` });
    return undefined;
  }
  const expected = apiVersionOf(info.kind);
  if (typeof apiVersion === "string" && apiVersion !== expected) {
    const message = UPSTREAM_GROUP.test(groupOf(apiVersion))
      ? `"${apiVersion}" is the upstream product's group; use "${expected}"`
      : `unsupported apiVersion "${apiVersion}" for kind ${kind}; use "${expected}"`;
    errors.push({ path: "apiVersion", message });
  }
  return info;
}

function checkMetadata(metadata: unknown, errors: ValidationError[]) {
  const push = (path: string, message: string) => errors.push({ path, message });
  if (metadata === undefined) return push("metadata", "required field is missing");
  if (!isRecord(metadata)) return push("metadata", "must be of type object");
  const { name, namespace } = metadata;
  if (name === undefined) push("metadata.name", "required field is missing");
  else if (typeof name !== "string") push("metadata.name", "must be of type string");
  else if (name.length > 253 || !DNS1123_SUBDOMAIN.test(name))
    push(
      "metadata.name",
      `"${name}" is not a valid object name: at most 253 lowercase letters, digits, "-" and ".", starting and ending with a letter or digit`,
    );
  if (namespace === undefined) return;
  if (typeof namespace !== "string") push("metadata.namespace", "must be of type string");
  else if (namespace.length > 63 || !DNS1123_LABEL.test(namespace))
    push(
      "metadata.namespace",
      `"${namespace}" is not a valid namespace: at most 63 lowercase letters, digits and "-", starting and ending with a letter or digit`,
    );
}

/**
 * Validates a full livesync object. On success `value` is a copy with schema defaults applied
 * (e.g. `group: ""`, `suspend: false`, `secretKey: "kubeconfig.yaml"`).
 */
export function validateObject(doc: unknown): ValidationResult {
  if (!isRecord(doc))
    return {
      ok: false,
      errors: [
        {
          path: "",
          message:
            "not a Kubernetes object: expected a mapping with apiVersion, kind, metadata and spec",
        },
      ],
    };
  const errors: ValidationError[] = [];
  const info = resolveKind(doc, errors);
  if (!info) return { ok: false, errors };
  checkMetadata(doc.metadata, errors);
  for (const key of Object.keys(doc))
    if (!TOP_LEVEL.includes(key)) errors.push({ path: key, message: `unknown field "${key}"` });

  const value: Record<string, unknown> = {
    apiVersion: doc.apiVersion,
    kind: doc.kind,
    metadata: structuredClone(doc.metadata),
  };
  if (doc.spec === undefined || doc.spec === null)
    errors.push({ path: "spec", message: "required field is missing" });
  else {
    value.spec = checkSchema(doc.spec, info.specSchema, "spec", errors);
    errors.push(...semanticErrors(info.kind, value.spec));
  }
  if (doc.status !== undefined && doc.status !== null)
    value.status = checkSchema(doc.status, info.statusSchema, "status", errors);

  return errors.length
    ? { ok: false, errors }
    : { ok: true, value: value as unknown as LivesyncObject };
}
