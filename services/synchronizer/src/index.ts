export * from "./synchronizer.js";
export * from "./tombstones.js";
export { NamespaceEnsurer } from "./namespaces.js";
