import {
  MANIFEST_OPTIONS,
  UsageError,
  loadCliManifests,
  oneName,
  openStore,
  outputFormat,
  parseFlags,
  printJson,
  subcommand,
} from "./common.js";

const usage =
  "usage: livesync backup export NAME -f DIR --bucket BUCKET --to-file PATH.tgz [-o json]";

/**
 * `livesync backup export …`: the stored archive as it is (an encrypted one stays encrypted),
 * checked against its recorded sha256, plus PATH.tgz.sha256 for `backup verify` and sha256sum.
 */
export const backupExport = subcommand(usage, async (argv) => {
  const { values, positionals } = parseFlags(argv, {
    ...MANIFEST_OPTIONS,
    bucket: { type: "string" },
    "to-file": { type: "string" },
  });
  const name = oneName(positionals);
  const path = values["to-file"];
  if (!path) throw new UsageError("--to-file PATH.tgz is required");
  const output = outputFormat(values.output);
  const store = await openStore(loadCliManifests(values.file), values.bucket);
  try {
    const exported = await store.exportTo(name, path);
    if (output === "json") printJson({ name, ...exported, sidecar: `${exported.location}.sha256` });
    else {
      console.log(
        `exported backup ${name} to ${path} (${exported.size} bytes, sha256 ${exported.sha256}${exported.encrypted ? ", encrypted" : ""}); ${path}.sha256 written`,
      );
    }
    return 0;
  } finally {
    store.close();
  }
});
