import { notYet } from "../subcommands.js";

/** `livesync backup list …`. */
export const backupList = notYet("backup list");
