// @livesync/bucket: the S3-compatible client of the archive (AWS S3, GCS interoperability,
// MinIO, versitygw): requests, credentials and errors. What is stored where (keys, entries,
// tombstones) is the archive format's, in @livesync/core.
export * from "./errors.js";
export * from "./client.js";
export * from "./credentials.js";
export * from "./conditional.js";
