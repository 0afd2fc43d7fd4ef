export * from "./engine.js";
export * from "./manifests.js";
export * from "./metrics.js";
