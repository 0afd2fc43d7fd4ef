export * from "./engine.js";
export * from "./manifests.js";
export * from "./metrics.js";
export { busNames, provisionBus, type BusOptions } from "./bus.js";
