export * from "./engine.js";
export * from "./manifests.js";
export * from "./metrics.js";
export {
  provisionBus,
  NATS_AUTH_FLAGS,
  NATS_AUTH_USAGE,
  natsAuthFrom,
  natsPermissions,
  type NatsAuth,
} from "./bus.js";
export * from "./status-merge.js";
export { StatusBoard } from "./status-reports.js";
export type { BusOptions } from "./connect-bus.js";
