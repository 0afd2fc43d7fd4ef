export * from "./bus.js";
export { InProcessBus } from "./in-process.js";
export { JetStreamBus, type JetStreamBusOptions } from "./jetstream.js";
export * from "./connection.js";
export * from "./wait-for-nats.js";
export * from "./permissions.js";
export * from "./kv.js";
export { checkReplicas } from "./replicas.js";
