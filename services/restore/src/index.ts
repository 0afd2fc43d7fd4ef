// @livesync/restore: restores a backup into a cluster.
export {};
