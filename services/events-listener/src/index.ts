export * from "./listener.js";
export type { InitialList, ListenerStats } from "./stats.js";
