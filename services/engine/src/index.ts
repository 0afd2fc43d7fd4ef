export * from "./engine.js";
export * from "./manifests.js";
export * from "./metrics.js";
export * from "./status-merge.js";
export { StatusBoard } from "./status-reports.js";
