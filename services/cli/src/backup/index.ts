// `livesync backup …`: point-in-time backups, run without an operator.
import { dispatchSubcommand } from "../subcommands.js";
import { backupCreate } from "./create.js";
import { backupDelete } from "./delete.js";
import { backupDescribe } from "./describe.js";
import { backupExport } from "./export.js";
import { backupList } from "./list.js";
import { backupVerify } from "./verify.js";

export const runBackupCommand = dispatchSubcommand("backup", {
  create: backupCreate,
  list: backupList,
  describe: backupDescribe,
  export: backupExport,
  verify: backupVerify,
  delete: backupDelete,
});
