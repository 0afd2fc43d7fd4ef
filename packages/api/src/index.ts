// @livesync/api: the CRD types, their OpenAPI v3 schemas and runtime validation, from one source.
export * from "./objects.js";
export * from "./types.js";
export * from "./schemas.js";
export * from "./validate.js";
export * from "./manifests.js";
export * from "./crds.js";
export * from "./secrets.js";
export * from "./cron.js";
