// @livesync/backup: point-in-time backups of a cluster's objects.
export * from "./format.js";
export * from "./never-restored.js";
export * from "./scope.js";
export * from "./snapshot.js";
export * from "./status.js";
export * from "./run.js";
