export * from "./operator.js";
export * from "./install-crds.js";
