import { notYet } from "../subcommands.js";

/** `livesync backup export …`. */
export const backupExport = notYet("backup export");
