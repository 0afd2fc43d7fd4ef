import type { Backup } from "@livesync/api";
import {
  MANIFEST_OPTIONS,
  backupSummary,
  describeProblem,
  loadCliManifests,
  oneName,
  openStore,
  outputFormat,
  parseFlags,
  printJson,
  subcommand,
} from "./common.js";

const usage = "usage: livesync backup describe NAME -f DIR --bucket BUCKET [-o json]";

/** A Backup for people: its status, then its warnings and errors. */
export function describeBackup(backup: Backup): string {
  const s = backup.status ?? {};
  const lines = [
    ["Name", backup.metadata.name],
    ["Phase", s.phase ?? "New"],
    ["Source", backup.spec.sourceName],
    ["Started", s.startTime],
    ["Completed", s.completionTime],
    ["Expires", s.expiration],
    ["Items", `${s.itemsBackedUp ?? 0} of ${s.itemsTotal ?? 0}`],
    ["ResourceVersion", s.resourceVersion],
    ["Atomic", s.atomic === undefined ? undefined : String(s.atomic)],
    ["Non-atomic resources", s.nonAtomicResources?.join(", ")],
    ["Kubernetes version", s.kubernetesVersion],
    ["Format version", s.formatVersion],
    ["Location", s.location],
    ["Size", s.size === undefined ? undefined : `${s.size} bytes`],
    ["sha256", s.sha256],
    ["Encrypted", s.encrypted === undefined ? undefined : String(s.encrypted)],
  ]
    .filter(([, v]) => v !== undefined && v !== "")
    .map(([k, v]) => `${`${k}:`.padEnd(22)}${v}`);
  for (const r of s.resources ?? []) {
    const gvr = [r.group, r.version, r.resource].filter(Boolean).join("/");
    lines.push(
      `  ${gvr.padEnd(40)} ${String(r.items).padStart(7)}${r.atomic ? "" : "  (not atomic)"}`,
    );
  }
  for (const w of s.warnings ?? []) lines.push(`warning: ${describeProblem(w)}`);
  for (const e of s.errors ?? []) lines.push(`error: ${describeProblem(e)}`);
  return lines.join("\n");
}

/** `livesync backup describe NAME -f DIR --bucket BUCKET [-o json]`. */
export const backupDescribe = subcommand(usage, async (argv) => {
  const { values, positionals } = parseFlags(argv, {
    ...MANIFEST_OPTIONS,
    bucket: { type: "string" },
  });
  const name = oneName(positionals);
  const output = outputFormat(values.output);
  const store = await openStore(loadCliManifests(values.file), values.bucket);
  try {
    const backup = await store.require(name);
    if (output === "json") printJson(backupSummary(backup));
    else console.log(describeBackup(backup));
    return 0;
  } finally {
    store.close();
  }
});
