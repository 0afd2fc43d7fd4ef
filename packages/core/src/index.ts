// @livesync/core: pure replication logic (no I/O).
export * from "./types.js";
export * from "./selection.js";
export * from "./sanitize.js";
export * from "./restorable.js";
export * from "./kinds/index.js";
export * from "./transform.js";
export * from "./marks.js";
export * from "./ownership.js";
export * from "./guards/copy.js";
export * from "./guards/archive.js";
export * from "./guards/tombstones.js";
export * from "./archive/layout.js";
export * from "./archive/format.js";
export * from "./envelope.js";
export * from "./reconcile.js";
export * from "./coverage.js";
export * from "./keyed-mutex.js";
