import {
  CliError,
  MANIFEST_OPTIONS,
  loadCliManifests,
  oneName,
  openStore,
  parseFlags,
  subcommand,
} from "./common.js";

const usage = "usage: livesync backup delete NAME -f DIR --bucket BUCKET";

/** `livesync backup delete NAME …`: every file of the backup's folder in the bucket. */
export const backupDelete = subcommand(usage, async (argv) => {
  const { values, positionals } = parseFlags(argv, {
    ...MANIFEST_OPTIONS,
    bucket: { type: "string" },
  });
  const name = oneName(positionals);
  const store = await openStore(loadCliManifests(values.file), values.bucket);
  try {
    const deleted = await store.delete(name);
    if (deleted === 0) throw new CliError(`backup ${name} not found in ${store.label}`);
    console.log(`deleted backup ${name} (${deleted} files) from ${store.label}`);
    return 0;
  } finally {
    store.close();
  }
});
