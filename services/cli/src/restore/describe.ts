import { notYet } from "../subcommands.js";

/** `livesync restore describe …`. */
export const restoreDescribe = notYet("restore describe");
