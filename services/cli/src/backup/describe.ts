import { notYet } from "../subcommands.js";

/** `livesync backup describe …`. */
export const backupDescribe = notYet("backup describe");
