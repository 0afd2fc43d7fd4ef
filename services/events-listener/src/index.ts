export * from "./listener.js";
export * from "./known-object.js";
export type { InitialList, ListenerStats } from "./stats.js";
