export * from "./listener.js";
