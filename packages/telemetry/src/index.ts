export * from "./server.js";
export { Gauge, Registry } from "prom-client";
export * from "./logger.js";
