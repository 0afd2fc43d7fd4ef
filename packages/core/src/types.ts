// Input types for the pure replication logic. Object and spec shapes are the API package's: one
// definition for every package, re-exported here so that users of core need no other import.

export type {
  Gvr,
  KubeObject,
  ManagedFieldsEntry,
  ObjectMeta,
  OwnerReference,
  LabelSelector,
  LabelSelectorRequirement,
  NameSelector,
  PatchOperation,
  ResourceFilters,
} from "@livesync/api";
import type { LabelSelectorRequirement } from "@livesync/api";
export { gvrKey, namespacedName, namespacedNameOf } from "@livesync/api";

export type LabelSelectorOperator = LabelSelectorRequirement["operator"];
