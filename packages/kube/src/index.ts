export * from "./errors.js";
export * from "./objects.js";
export * from "./resources.js";
export * from "./rest.js";
export * from "./watch.js";
export * from "./cluster.js";
export * from "./lease.js";
export * from "./inventory.js";
