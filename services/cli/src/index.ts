export * from "./engine.js";
export * from "./manifests.js";
