import type { Backup } from "@livesync/api";
import {
  MANIFEST_OPTIONS,
  UsageError,
  backupSummary,
  loadCliManifests,
  openStore,
  outputFormat,
  parseFlags,
  printJson,
  subcommand,
} from "./common.js";

const usage = "usage: livesync backup list -f DIR --bucket BUCKET [-o json]";

/** Table rows: one line per backup, oldest first. */
export function backupTable(backups: Backup[]): string {
  const rows = [
    ["NAME", "PHASE", "ITEMS", "ATOMIC", "RESOURCEVERSION", "STARTED", "SIZE", "ENCRYPTED"],
  ];
  for (const b of backups) {
    const s = b.status ?? {};
    rows.push([
      b.metadata.name,
      s.phase ?? "New",
      String(s.itemsBackedUp ?? 0),
      String(s.atomic ?? false),
      s.resourceVersion ?? "",
      s.startTime ?? "",
      s.size === undefined ? "" : String(s.size),
      String(s.encrypted ?? false),
    ]);
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows
    .map((r) =>
      r
        .map((c, i) => c.padEnd(widths[i]!))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}

/** `livesync backup list -f DIR --bucket BUCKET [-o json]`: the complete backups a Bucket holds. */
export const backupList = subcommand(usage, async (argv) => {
  const { values, positionals } = parseFlags(argv, {
    ...MANIFEST_OPTIONS,
    bucket: { type: "string" },
  });
  if (positionals.length) throw new UsageError(`unexpected argument ${positionals[0]}`);
  const output = outputFormat(values.output);
  const store = await openStore(loadCliManifests(values.file), values.bucket);
  try {
    const { backups, unreadable } = await store.listing();
    // Damaged backups are named on stderr: the listing of the others stays usable.
    for (const u of unreadable) console.error(`warning: ${u.message}`);
    if (output === "json") printJson({ items: backups.map(backupSummary) });
    else if (backups.length === 0) console.log(`no backups in ${store.label}`);
    else console.log(backupTable(backups));
    return 0;
  } finally {
    store.close();
  }
});
