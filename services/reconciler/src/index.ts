export * from "./reconciler.js";
export * from "./namespace-janitor.js";
