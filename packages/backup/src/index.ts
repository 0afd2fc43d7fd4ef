// @livesync/backup: point-in-time backups of a cluster's objects.
export * from "./format.js";
export * from "./encryption.js";
export * from "./encryption-key.js";
export * from "./tarball.js";
export * from "./archive-writer.js";
export * from "./file-writer.js";
export * from "./bucket-writer.js";
export * from "./reader.js";
export * from "./store.js";
export * from "./verify.js";
export { sha256Hex, parseSha256Sum, sha256SumLine } from "./digest.js";
export * from "./never-restored.js";
export * from "./scope.js";
export * from "./snapshot.js";
export * from "./status.js";
export * from "./run.js";
export * from "./self.js";
export * from "./restartable.js";
