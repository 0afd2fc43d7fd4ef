export * from "./archiver.js";
