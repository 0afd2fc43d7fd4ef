export * from "./synchronizer.js";
export { NamespaceEnsurer } from "./namespaces.js";
