// `livesync restore …`: restores a backup into a cluster, run without an operator.
import { dispatchSubcommand } from "../subcommands.js";
import { restoreCreate } from "./create.js";
import { restoreDescribe } from "./describe.js";

export const runRestoreCommand = dispatchSubcommand("restore", {
  create: restoreCreate,
  describe: restoreDescribe,
});
