// Checks a schema cannot express: regular expressions compile, patches are well formed, label
// selectors are coherent, durations are positive and agree, transformations do not collide.
// They run on the defaulted spec even when the schema check failed, so they read defensively.

import { backupSchedule, backup, restore } from "./backup-semantic.js";
import { checkDuration, checkFilters, each, json, list, rec, type Push } from "./filter-checks.js";
import { groupResource } from "./objects.js";
import { filtersMayOverlap } from "./resources.js";
import { child, item, type ValidationError } from "./structural.js";
import type { KindName } from "./schemas.js";

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

function checkResyncPeriods(config: Record<string, unknown>, push: Push) {
  const locations: [string, unknown][] = [
    ["spec.config.resyncPeriod", config.resyncPeriod],
    ["spec.config.replication.resyncPeriod", rec(config.replication).resyncPeriod],
  ];
  let first: { path: string; raw: string; ms: number } | undefined;
  for (const [path, raw] of locations) {
    if (typeof raw !== "string") continue;
    const ms = checkDuration(raw, path, push);
    if (ms === undefined || ms === 0) continue;
    if (first && first.ms !== ms)
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
    checkFilters(r.filters, child(p, "filters"), push);
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
  Backup: backup,
  BackupSchedule: backupSchedule,
  Restore: restore,
};

/** Semantic errors of a (defaulted) spec of the given kind. */
export function semanticErrors(kind: KindName, spec: unknown): ValidationError[] {
  const errors: ValidationError[] = [];
  CHECKS[kind]?.(rec(spec), (path, message) => errors.push({ path, message }));
  return errors;
}
