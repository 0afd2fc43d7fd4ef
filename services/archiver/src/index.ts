export * from "./archiver.js";
export * from "./guard.js";
