export * from "./operator.js";
