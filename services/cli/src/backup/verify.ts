import { existsSync } from "node:fs";
import { verifyBackupFile, type VerifyProblem, type VerifyReport } from "@livesync/backup";
import {
  CliError,
  oneName,
  outputFormat,
  parseFlags,
  printJson,
  readKeyFile,
  subcommand,
} from "./common.js";

const usage = "usage: livesync backup verify PATH.tgz [-o json] [--key-file FILE]";

function describeVerifyProblem(p: VerifyProblem): string {
  const object = p.name ? ` (${p.gvr} ${p.namespace ? `${p.namespace}/` : ""}${p.name})` : "";
  const digests =
    p.expected || p.actual ? ` [sha256 ${p.actual ?? "-"}, expected ${p.expected ?? "-"}]` : "";
  return `${p.path}${object}: ${p.message}${digests}`;
}

/** The report for people: a verdict line, then one line per problem. */
export function describeReport(r: VerifyReport): string {
  const what =
    r.checked === "contents"
      ? `${r.items} objects checked against the index (format ${r.format ?? "unknown"})`
      : "stored bytes checked against the .sha256 file only: give --key-file to check the objects";
  return [
    `${r.ok ? "ok" : "FAILED"}: ${r.file}: ${what}${r.encrypted ? ", encrypted" : ""}`,
    ...r.problems.map((p) => `  ${describeVerifyProblem(p)}`),
  ].join("\n");
}

/** `livesync backup verify PATH.tgz`: exit 0 when every check passes, 1 naming what failed. */
export const backupVerify = subcommand(usage, async (argv) => {
  const { values, positionals } = parseFlags(argv, {
    output: { type: "string", short: "o" },
    "key-file": { type: "string" },
    help: { type: "boolean", short: "h" },
  });
  const path = oneName(positionals, "PATH.tgz");
  const output = outputFormat(values.output);
  const key = readKeyFile(values["key-file"]);
  if (!existsSync(path)) throw new CliError(`${path}: no such file`);
  const report = await verifyBackupFile(path, { key });
  if (output === "json") printJson(report);
  else console.log(describeReport(report));
  return report.ok ? 0 : 1;
});
