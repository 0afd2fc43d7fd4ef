// How `restore create` and `restore describe` print a restore: one JSON document (-o json), or
// a table per kind and a summary line.

import type { RestoreStatus } from "@livesync/api";
import type { AuditItem, RestoreAudit } from "@livesync/restore";
import { printJson } from "../backup/common.js";

/** The JSON of a restore: its status, and every object with what was done to it. */
export function restoreJson(name: string, audit: RestoreAudit, status?: RestoreStatus) {
  return {
    name,
    phase: audit.phase,
    dryRun: audit.dryRun,
    policy: audit.policy,
    destination: audit.destination,
    backups: audit.backups,
    startTime: audit.startTime,
    completionTime: audit.completionTime,
    counts: audit.counts,
    ...(audit.error !== undefined ? { error: audit.error } : {}),
    ...(status
      ? {
          resources: status.resources ?? [],
          failures: status.failures ?? [],
          warnings: status.warnings ?? [],
          ...(status.auditLocation ? { auditLocation: status.auditLocation } : {}),
        }
      : {}),
    items: audit.items,
  };
}

const detail = (i: AuditItem) =>
  i.error ??
  i.warning ??
  i.reason ??
  (i.diff?.length ? `changed: ${i.diff.map((d) => d.path).join(", ")}` : "");

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  return rows
    .map((r) =>
      r
        .map((v, c) => v.padEnd(widths[c]!))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}

export function summaryLine(name: string, audit: RestoreAudit): string {
  const c = audit.counts;
  const what = audit.dryRun ? " (dry run: nothing written)" : "";
  const counts = `${c.created} created, ${c.updated} updated, ${c.deleted} deleted, ${c.unchanged} unchanged, ${c.skipped} skipped, ${c.failed} failed`;
  return `restore ${name} ${audit.phase}${what}: ${counts}${audit.error ? `: ${audit.error}` : ""}`;
}

export function printRestore(
  name: string,
  audit: RestoreAudit,
  format: "json" | "text",
  status?: RestoreStatus,
): void {
  if (format === "json") {
    printJson(restoreJson(name, audit, status));
    return;
  }
  const byKind = new Map<string, AuditItem[]>();
  for (const i of audit.items) {
    const key = i.group ? `${i.kind}.${i.group}` : i.kind;
    byKind.set(key, [...(byKind.get(key) ?? []), i]);
  }
  for (const [kind, items] of byKind) {
    console.log(`${kind}:`);
    const rows = items.map((i) => [i.namespace ?? "", i.name, i.action, detail(i)]);
    console.log(table([["NAMESPACE", "NAME", "ACTION", "DETAIL"], ...rows]).replace(/^/gm, "  "));
  }
  if (status?.auditLocation) console.log(`audit: ${status.auditLocation}`);
  console.log(summaryLine(name, audit));
}
