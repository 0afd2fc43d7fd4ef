// Input types for the pure replication logic: object shapes defined here, spec shapes from the
// API package (types only: core has no runtime dependency on it).

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

export interface ObjectMeta {
  name: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: OwnerReference[];
  deletionTimestamp?: string;
  [k: string]: unknown;
}

export type KubeObject = {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  [k: string]: unknown;
};

/** Group/version/resource; group "" is the core group. */
export interface Gvr {
  group: string;
  version: string;
  resource: string;
}

// The spec-facing shapes (selectors, filters, patches) are the API's: one source of truth.
export type {
  LabelSelector,
  LabelSelectorRequirement,
  NameSelector,
  PatchOperation,
  ResourceFilters,
} from "@livesync/api";
import type { LabelSelectorRequirement } from "@livesync/api";

export type LabelSelectorOperator = LabelSelectorRequirement["operator"];
