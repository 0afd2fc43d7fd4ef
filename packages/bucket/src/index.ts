// @livesync/bucket: S3-compatible storage for the archive (AWS S3, GCS interoperability, MinIO,
// versitygw), the archive's object layout and the stored format.
export * from "./layout.js";
export * from "./format.js";
export * from "./errors.js";
export * from "./client.js";
export * from "./credentials.js";
