import { notYet } from "../subcommands.js";

/** `livesync backup delete …`. */
export const backupDelete = notYet("backup delete");
