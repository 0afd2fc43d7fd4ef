// Checks of Backup, BackupSchedule and Restore specs that their schemas cannot express: the
// cron schedule and time zone, positive durations, coherent scopes (filters, namespaces),
// exactly one thing to restore and a namespace mapping that never merges two namespaces.
// Like semantic.ts they run on the defaulted spec even when the schema check failed.

import { cronProblem, timeZoneProblem } from "./cron.js";
import {
  checkDuration,
  checkFilters,
  checkSelector,
  each,
  json,
  list,
  rec,
  type Push,
} from "./filter-checks.js";
import { DNS1123_LABEL, DNS1123_SUBDOMAIN } from "./schema-blocks.js";
import { child } from "./structural.js";

type Spec = Record<string, unknown>;

const OBJECT_NAME = new RegExp(DNS1123_SUBDOMAIN);
const NAMESPACE_NAME = new RegExp(DNS1123_LABEL);
const SECRET_KEY = /^[-._a-zA-Z0-9]{1,253}$/;
const mapKey = (path: string, key: string) => `${path}[${key}]`;

/** What Backup and Restore both narrow their objects with. */
function checkScope(spec: Spec, base: string, push: Push) {
  const excluded = new Set(list(spec.excludedNamespaces));
  each(spec, "includedNamespaces", base, (ns, p) => {
    if (typeof ns === "string" && excluded.has(ns))
      push(p, `${json(ns)} is also in excludedNamespaces; list it in only one of them`);
  });
  checkSelector(spec.labelSelector, child(base, "labelSelector"), push);
  each(spec, "resources", base, (r, p) => checkFilters(rec(r).filters, child(p, "filters"), push));
}

function checkBackupSpec(spec: Spec, base: string, push: Push) {
  checkScope(spec, base, push);
  checkDuration(spec.ttl, child(base, "ttl"), push);
  const key = rec(spec.encryption).secretKey;
  if (typeof key === "string" && key !== "" && !SECRET_KEY.test(key))
    push(
      child(base, "encryption.secretKey"),
      `${json(key)} is not a valid Secret key: letters, digits, "-", "_" and "."`,
    );
}

export function backup(spec: Spec, push: Push) {
  checkBackupSpec(spec, "spec", push);
}

export function backupSchedule(spec: Spec, push: Push) {
  if (typeof spec.schedule === "string" && spec.schedule !== "") {
    const problem = cronProblem(spec.schedule);
    if (problem) push("spec.schedule", problem);
  }
  if (typeof spec.timeZone === "string") {
    const problem = timeZoneProblem(spec.timeZone);
    if (problem) push("spec.timeZone", problem);
  }
  checkDuration(spec.ttl, "spec.ttl", push);
  checkBackupSpec(rec(spec.template), "spec.template", push);
}

const SOURCES = ["backupName", "scheduleName", "backups", "fromArchive"];

/** Exactly one of the four says what to restore; fromArchive counts when enabled. */
function checkSource(spec: Spec, push: Push) {
  const given = SOURCES.filter((k) =>
    k === "fromArchive" ? rec(spec.fromArchive).enabled === true : spec[k] !== undefined,
  );
  if (given.length === 0)
    push(
      "spec",
      "nothing to restore: set one of backupName, scheduleName, backups or fromArchive.enabled",
    );
  for (const k of given.slice(1))
    push(
      `spec.${k}`,
      `set only one of backupName, scheduleName, backups and fromArchive (${given[0]} is set too)`,
    );
}

function checkBackupsMap(raw: unknown, push: Push) {
  if (raw === undefined) return;
  const entries = Object.entries(rec(raw));
  if (entries.length === 0)
    return push("spec.backups", 'must name at least one BackupSchedule: { <schedule>: "latest" }');
  for (const [schedule] of entries)
    if (!OBJECT_NAME.test(schedule))
      push(
        mapKey("spec.backups", schedule),
        `${json(schedule)} is not a valid BackupSchedule name`,
      );
  if (entries.every(([, v]) => v === "skip"))
    push("spec.backups", 'every BackupSchedule is "skip": nothing to restore');
}

function checkNamespaceMapping(raw: unknown, push: Push) {
  const sources = new Map<string, string>(); // destination -> first source mapped to it
  for (const [from, to] of Object.entries(rec(raw))) {
    const p = mapKey("spec.namespaceMapping", from);
    if (!NAMESPACE_NAME.test(from))
      push(
        p,
        `${json(from)} is not a valid namespace name: at most 63 lowercase letters, digits and "-", starting and ending with a letter or digit`,
      );
    if (typeof to !== "string") continue;
    const first = sources.get(to);
    if (first === undefined) sources.set(to, from);
    else
      push(
        p,
        `${json(from)} and ${json(first)} are both mapped to ${json(to)}; two namespaces cannot be restored into one`,
      );
  }
}

export function restore(spec: Spec, push: Push) {
  checkSource(spec, push);
  checkBackupsMap(spec.backups, push);
  checkScope(spec, "spec", push);
  checkNamespaceMapping(spec.namespaceMapping, push);
  each(spec, "waitFor", "spec", (raw, p) => {
    const group = rec(raw);
    checkDuration(group.timeout, child(p, "timeout"), push);
    each(group, "resources", p, (r, rp) =>
      checkFilters(rec(r).filters, child(rp, "filters"), push),
    );
  });
}
