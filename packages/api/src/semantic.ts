// Checks a schema cannot express: regular expressions compile, patches are well formed, label
// selectors are coherent, durations are positive and agree, transformations do not collide.
// They run on the defaulted spec even when the schema check failed, so they read defensively.

import { parseDuration } from "./duration.js";
import { groupResource } from "./objects.js";
import { filtersMayOverlap } from "./resources.js";
import { child, isRecord, item, type ValidationError } from "./structural.js";
import type { KindName } from "./schemas.js";

const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const rec = (v: unknown): Record<string, unknown> => (isRecord(v) ? v : {});
const json = (v: unknown): string => JSON.stringify(v);

/** Calls fn for each element of an array field, with its path. */
function each(
  parent: Record<string, unknown>,
  key: string,
  path: string,
  fn: (v: unknown, p: string) => void,
) {
  list(parent[key]).forEach((v, i) => fn(v, item(child(path, key), i)));
}

type Push = (path: string, message: string) => void;

function checkRegexes(nameSelector: Record<string, unknown>, path: string, push: Push) {
  for (const key of ["regex", "excludeRegex"])
    each(nameSelector, key, path, (re, p) => {
      if (typeof re !== "string") return;
      try {
        new RegExp(re);
      } catch (e) {
        // V8: 'Invalid regular expression: /*.test/: Nothing to repeat' -> 'nothing to repeat'
        const msg = (e as Error).message;
        const reason = msg.slice(msg.lastIndexOf(": ") + 2);
        const lowered = reason.charAt(0).toLowerCase() + reason.slice(1);
        push(p, `${json(re)} is not a valid regular expression: ${lowered}`);
      }
    });
}

/** RFC 6901: "" or "/"-separated tokens where "~" only appears as "~0" or "~1". */
function pointerProblem(pointer: string): string | undefined {
  if (pointer !== "" && !pointer.startsWith("/"))
    return `${json(pointer)} is not a valid JSON Pointer: it must be "" or start with "/"`;
  if (/~(?![01])/.test(pointer))
    return `${json(pointer)} is not a valid JSON Pointer: write "~" as "~0" and "/" inside a key as "~1"`;
  return undefined;
}

const NEEDS_VALUE = ["add", "replace", "test"];
const NEEDS_FROM = ["move", "copy"];

function checkPatches(parent: Record<string, unknown>, key: string, path: string, push: Push) {
  each(parent, key, path, (raw, p) => {
    const op = rec(raw);
    const name = op.op;
    if (typeof op.path === "string") {
      const problem = pointerProblem(op.path);
      if (problem) push(child(p, "path"), problem);
    }
    if (typeof name !== "string") return;
    if (NEEDS_VALUE.includes(name) && !("value" in op))
      push(child(p, "value"), `required field is missing for op "${name}"`);
    if (NEEDS_FROM.includes(name)) {
      if (typeof op.from !== "string")
        push(child(p, "from"), `required field is missing for op "${name}"`);
      else {
        const problem = pointerProblem(op.from);
        if (problem) push(child(p, "from"), problem);
      }
    }
  });
}

// Kubernetes label syntax (apimachinery validation.IsQualifiedName / IsValidLabelValue).
const LABEL_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

function validLabelKey(key: string): boolean {
  const slash = key.lastIndexOf("/");
  const [prefix, name] = slash < 0 ? [undefined, key] : [key.slice(0, slash), key.slice(slash + 1)];
  const prefixOk = prefix === undefined || (prefix.length <= 253 && DNS_SUBDOMAIN.test(prefix));
  return prefixOk && name.length <= 63 && LABEL_NAME.test(name);
}
const validLabelValue = (v: string): boolean => v === "" || (v.length <= 63 && LABEL_NAME.test(v));
const badKey = (k: string) =>
  `${json(k)} is not a valid label key: an optional DNS subdomain and "/", then up to 63 letters, digits, "-", "_" or ".", starting and ending with a letter or digit`;
const badValue = (v: string) =>
  `${json(v)} is not a valid label value: up to 63 letters, digits, "-", "_" or ".", starting and ending with a letter or digit`;

function checkSelector(raw: unknown, path: string, push: Push) {
  if (!isRecord(raw)) return;
  for (const [k, v] of Object.entries(rec(raw.matchLabels))) {
    const p = `${child(path, "matchLabels")}[${k}]`;
    if (!validLabelKey(k)) push(p, badKey(k));
    else if (typeof v === "string" && !validLabelValue(v)) push(p, badValue(v));
  }
  each(raw, "matchExpressions", path, (exprRaw, p) => {
    const expr = rec(exprRaw);
    if (typeof expr.key === "string" && !validLabelKey(expr.key))
      push(child(p, "key"), badKey(expr.key));
    const values = list(expr.values);
    const op = expr.operator;
    if ((op === "In" || op === "NotIn") && values.length === 0)
      push(child(p, "values"), `must be non-empty for operator "${op}"`);
    if ((op === "Exists" || op === "DoesNotExist") && values.length > 0)
      push(child(p, "values"), `must be empty for operator "${op}"`);
    values.forEach((v, i) => {
      if (typeof v === "string" && !validLabelValue(v))
        push(item(child(p, "values"), i), badValue(v));
    });
  });
}

function checkResyncPeriods(config: Record<string, unknown>, push: Push) {
  const locations: [string, unknown][] = [
    ["spec.config.resyncPeriod", config.resyncPeriod],
    ["spec.config.replication.resyncPeriod", rec(config.replication).resyncPeriod],
  ];
  let first: { path: string; raw: string; ms: number } | undefined;
  for (const [path, raw] of locations) {
    if (typeof raw !== "string") continue;
    const ms = parseDuration(raw);
    if (raw === "")
      push(path, `"" is not a valid duration: use the %Hh%Mm%Ss format, e.g. "1h0m0s"`);
    if (ms === undefined) continue; // malformed: the schema pattern already said so
    if (ms === 0) push(path, `${json(raw)} must be greater than zero`);
    else if (first && first.ms !== ms)
      push(path, `${json(raw)} conflicts with ${first.path} ${json(first.raw)}; set only one`);
    else first ??= { path, raw, ms };
  }
}

const hasPatch = (r: Record<string, unknown>): boolean =>
  list(rec(r.transformation).patch).length > 0;

/**
 * At most one transformation may apply to any object (the upstream documentation's "Multiple
 * transformations" rule): with two, which one makes the copy would be ambiguous.
 */
function checkTransformationOverlap(resources: unknown[], path: string, push: Push) {
  const entries = resources.map(rec);
  entries.forEach((r, i) => {
    if (!hasPatch(r)) return;
    const gr = groupResource({ group: String(r.group ?? ""), resource: String(r.resource) });
    const j = entries.findIndex(
      (o, k) =>
        k < i &&
        hasPatch(o) &&
        String(o.group ?? "") === String(r.group ?? "") &&
        o.resource === r.resource &&
        filtersMayOverlap(rec(o.filters), rec(r.filters)),
    );
    if (j >= 0)
      push(
        item(path, i),
        `transforms ${gr} like resources[${j}] and their filters may overlap; at most one transformation per resource (give them disjoint filters, e.g. different values for the same namespaceSelector label)`,
      );
  });
}

function liveSynchronization(spec: Record<string, unknown>, push: Push) {
  const config = rec(spec.config);
  checkResyncPeriods(config, push);
  const replication = rec(config.replication);
  const resourcesPath = "spec.config.replication.resources";
  list(replication.resources).forEach((raw, i) => {
    const r = rec(raw);
    const p = item(resourcesPath, i);
    checkPatches(rec(r.transformation), "patch", child(p, "transformation"), push);
    checkPatches(rec(r.recoveryProcess), "fromPatch", child(p, "recoveryProcess"), push);
    const filters = rec(r.filters);
    const fp = child(p, "filters");
    checkSelector(filters.namespaceSelector, child(fp, "namespaceSelector"), push);
    checkSelector(filters.selector, child(fp, "selector"), push);
    checkRegexes(rec(filters.nameSelector), child(fp, "nameSelector"), push);
  });
  checkTransformationOverlap(list(replication.resources), resourcesPath, push);
}

function task(spec: Record<string, unknown>, push: Push) {
  each(rec(spec.config), "resources", "spec.config", (raw, p) =>
    checkPatches(rec(rec(raw).patch), "operations", child(p, "patch"), push),
  );
}

function bucket(spec: Record<string, unknown>, push: Push) {
  const endpoint = rec(spec.generic).endpoint;
  if (typeof endpoint === "string" && /^[a-z][a-z0-9+.-]*:\/\//i.test(endpoint))
    push(
      "spec.generic.endpoint",
      `${json(endpoint)} must be host[:port] without a scheme; useSSL chooses https or http`,
    );
}

const CHECKS: Partial<Record<KindName, (spec: Record<string, unknown>, push: Push) => void>> = {
  LiveSynchronization: liveSynchronization,
  Task: task,
  Bucket: bucket,
};

/** Semantic errors of a (defaulted) spec of the given kind. */
export function semanticErrors(kind: KindName, spec: unknown): ValidationError[] {
  const errors: ValidationError[] = [];
  CHECKS[kind]?.(rec(spec), (path, message) => errors.push({ path, message }));
  return errors;
}
