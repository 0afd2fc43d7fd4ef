// @livesync/backup: point-in-time backups of a cluster's objects.
export * from "./format.js";
