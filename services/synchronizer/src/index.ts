export * from "./synchronizer.js";
export * from "./tombstones.js";
