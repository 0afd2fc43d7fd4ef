// The backup library behind the controllers' ports.

import type { BackupBackend } from "./ports.js";

const missing = (what: string) => () => {
  throw new Error(`${what} is not available in this build`);
};

// TEMPORARY: replaced by @livesync/backup's BackupStore and runBackup once they are on main.
export const defaultBackupBackend: BackupBackend = {
  openBucket: missing("the bucket backup store"),
  run: missing("runBackup"),
};
