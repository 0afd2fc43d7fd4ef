import { notYet } from "../subcommands.js";

/** `livesync backup create …`. */
export const backupCreate = notYet("backup create");
