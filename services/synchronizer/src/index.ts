export * from "./synchronizer.js";
export { NamespaceEnsurer } from "./namespaces.js";
export type { Stage, StageSummary, StageTotals } from "./stage-timings.js";
export * from "./shared-tombstones.js";
