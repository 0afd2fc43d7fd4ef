// `livesync restore describe NAME -f DIR --bucket BUCKET [-o json]`: a finished restore's audit,
// read back from the bucket.

import { readRestoreAudit, RESTORE_FILES } from "@livesync/restore";
import type { RestoreStatus } from "@livesync/api";
import {
  CliError,
  loadCliManifests,
  MANIFEST_OPTIONS,
  oneName,
  openStore,
  outputFormat,
  parseFlags,
  subcommand,
} from "../backup/common.js";
import { printRestore } from "./render.js";

const usage = `usage: livesync restore describe NAME -f DIR --bucket BUCKET [-o json]`;

export const restoreDescribe = subcommand(usage, async (argv) => {
  const { values: f, positionals } = parseFlags(argv, {
    ...MANIFEST_OPTIONS,
    bucket: { type: "string" },
  } as const);
  const name = oneName(positionals);
  const format = outputFormat(f.output);
  const store = await openStore(loadCliManifests(f.file), f.bucket);
  try {
    const audit = await readRestoreAudit(store, name);
    if (!audit) throw new CliError(`restore ${name} not found in ${store.label}`);
    const record = await store.getRestoreFile(name, RESTORE_FILES.restore);
    const status = record ? (JSON.parse(record) as { status?: RestoreStatus }).status : undefined;
    printRestore(name, audit, format, status);
    return 0;
  } finally {
    store.close();
  }
});
