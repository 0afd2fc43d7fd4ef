import { notYet } from "../subcommands.js";

/** `livesync restore create …`. */
export const restoreCreate = notYet("restore create");
