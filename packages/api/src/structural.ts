// A small interpreter for the OpenAPI subset in schemas.ts. It behaves like the apiserver with
// strict field validation: unknown fields are errors, nulls on non-nullable fields count as
// absent (the apiserver prunes them), and defaults are applied. It never throws and reports
// every problem it finds, each with a precise path.

import {
  API_GROUP_PATTERN,
  API_VERSION_PATTERN,
  DNS1123_LABEL,
  DNS1123_SUBDOMAIN,
  DURATION_PATTERN,
  RESOURCE_PATTERN,
  type Schema,
} from "./schemas.js";

export interface ValidationError {
  path: string;
  message: string;
}

export const child = (path: string, key: string): string => (path ? `${path}.${key}` : key);
export const item = (path: string, i: number): string => `${path}[${i}]`;
const mapKey = (path: string, key: string): string => `${path}[${key}]`;

/** Messages for pattern mismatches: a bare regular expression tells users little. */
const PATTERN_MESSAGES: Record<string, (json: string) => string> = {
  [DNS1123_SUBDOMAIN]: (v) =>
    `${v} is not a valid object name: use lowercase letters, digits, "-" and ".", starting and ending with a letter or digit`,
  [DNS1123_LABEL]: (v) =>
    `${v} is not a valid namespace name: at most 63 lowercase letters, digits and "-", starting and ending with a letter or digit`,
  [API_GROUP_PATTERN]: (v) => `${v} is not a valid API group: use "" for core, or e.g. "apps"`,
  [API_VERSION_PATTERN]: (v) => `${v} is not a valid API version: use e.g. "v1"`,
  [RESOURCE_PATTERN]: (v) =>
    `${v} is not a valid resource: use the lowercase plural resource name, e.g. "deployments"`,
  [DURATION_PATTERN]: (v) =>
    `${v} is not a valid duration: use the %Hh%Mm%Ss format, e.g. "1h0m0s"`,
};

const regexCache = new Map<string, RegExp>();
const compiled = (pattern: string): RegExp => {
  let re = regexCache.get(pattern);
  if (!re) regexCache.set(pattern, (re = new RegExp(pattern)));
  return re;
};

export const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

const typeName = (v: unknown): string =>
  v === null ? "null" : Array.isArray(v) ? "array" : typeof v;

// RFC 3339 as Kubernetes writes it (metav1.Time), with optional fraction and any offset.
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i;

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = row[j]!;
      row[j] = Math.min(up + 1, row[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return row[b.length]!;
}

/** The closest known field name for a likely typo, if any. */
function suggestion(unknown: string, known: string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = 3; // only suggest near misses (typos, plural/singular, case)
  for (const k of known) {
    const d = editDistance(unknown.toLowerCase(), k.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [k, d];
  }
  return best;
}

function checkScalar(value: unknown, schema: Schema, path: string, errors: ValidationError[]) {
  const fail = (message: string) => errors.push({ path, message });
  const json = JSON.stringify(value);
  if (schema.enum && !schema.enum.includes(value as string)) {
    const supported = schema.enum.map((e) => JSON.stringify(e)).join(", ");
    return fail(`unsupported value ${json}; supported values: ${supported}`);
  }
  if (typeof value === "string") {
    if (schema.minLength !== undefined && value.length < schema.minLength)
      return fail(
        schema.minLength === 1
          ? "must not be empty"
          : `must be at least ${schema.minLength} characters`,
      );
    if (schema.pattern !== undefined && !compiled(schema.pattern).test(value)) {
      const message = PATTERN_MESSAGES[schema.pattern];
      return fail(message ? message(json) : `${json} does not match ${schema.pattern}`);
    }
    if (schema.format === "date-time" && !DATE_TIME.test(value))
      return fail(`${json} is not an RFC 3339 date-time, e.g. "2024-01-31T12:00:00Z"`);
  }
  if (typeof value === "number" && schema.minimum !== undefined && value < schema.minimum)
    fail(`${json} is too small: must be greater than or equal to ${schema.minimum}`);
}

function typeMatches(value: unknown, type: NonNullable<Schema["type"]>): boolean {
  switch (type) {
    case "object":
      return isRecord(value);
    case "array":
      return Array.isArray(value);
    case "integer":
      return Number.isInteger(value);
    case "number":
      return typeof value === "number" && Number.isFinite(value);
    default:
      return typeof value === type;
  }
}

function checkObject(
  value: Record<string, unknown>,
  schema: Schema,
  path: string,
  errors: ValidationError[],
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const props = schema.properties;
  const preserve = schema["x-kubernetes-preserve-unknown-fields"] === true;
  for (const [key, v] of Object.entries(value)) {
    const propSchema = props?.[key] ?? schema.additionalProperties;
    const p = props?.[key] ? child(path, key) : mapKey(path, key);
    if (propSchema) {
      if (v === null && !propSchema.nullable) continue; // pruned like the apiserver does
      out[key] = checkSchema(v, propSchema, p, errors);
    } else if (preserve) {
      out[key] = structuredClone(v);
    } else {
      const near = suggestion(key, Object.keys(props ?? {}));
      const hint = near ? `; did you mean "${near}"?` : "";
      errors.push({ path: child(path, key), message: `unknown field "${key}"${hint}` });
    }
  }
  for (const req of schema.required ?? [])
    if (!(req in out))
      errors.push({ path: child(path, req), message: "required field is missing" });
  for (const [key, propSchema] of Object.entries(props ?? {}))
    if (!(key in out) && propSchema.default !== undefined)
      out[key] = structuredClone(propSchema.default);
  return out;
}

/**
 * Checks `value` against `schema`, pushing errors, and returns a copy with defaults applied.
 * Values of the wrong type are returned unchanged so later checks can still look around them.
 */
export function checkSchema(
  value: unknown,
  schema: Schema,
  path: string,
  errors: ValidationError[],
): unknown {
  if (value === null && schema.nullable) return null;
  if (schema.type === undefined) return structuredClone(value); // preserve-unknown-fields
  if (!typeMatches(value, schema.type)) {
    errors.push({ path, message: `must be of type ${schema.type}, got ${typeName(value)}` });
    return value;
  }
  if (isRecord(value)) return checkObject(value, schema, path, errors);
  if (Array.isArray(value)) {
    if (schema.minItems !== undefined && value.length < schema.minItems)
      errors.push({
        path,
        message: `must have at least ${schema.minItems} item${schema.minItems === 1 ? "" : "s"}`,
      });
    const items = schema.items;
    return items ? value.map((v, i) => checkSchema(v, items, item(path, i), errors)) : value;
  }
  checkScalar(value, schema, path, errors);
  return value;
}
