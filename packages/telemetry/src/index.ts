export * from "./server.js";
export { Counter, Gauge, Histogram, Registry } from "prom-client";
export * from "./logger.js";
