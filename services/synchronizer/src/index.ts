export * from "./synchronizer.js";
export { NamespaceEnsurer } from "./namespaces.js";
export * from "./shared-tombstones.js";
