export * from "./engine.js";
export * from "./manifests.js";
export * from "./metrics.js";
export {
  busNames,
  provisionBus,
  NATS_AUTH_FLAGS,
  NATS_AUTH_USAGE,
  natsAuthFrom,
  natsPermissions,
  type BusOptions,
  type NatsAuth,
} from "./bus.js";
