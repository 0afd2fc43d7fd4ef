import { notYet } from "../subcommands.js";

/** `livesync backup verify …`. */
export const backupVerify = notYet("backup verify");
