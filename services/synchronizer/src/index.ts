export * from "./synchronizer.js";
export * from "./tombstones.js";
export { KeyedMutex } from "./keyed-mutex.js";
