// Structural input types for the pure replication logic. They are defined here rather than
// imported from @livesync/api so that core stays dependency-free and testable on its own; the
// shapes are compatible with the API package's types.

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

export type LabelSelectorOperator = "In" | "NotIn" | "Exists" | "DoesNotExist";

export interface LabelSelectorRequirement {
  key: string;
  operator: LabelSelectorOperator;
  values?: string[];
}

export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: LabelSelectorRequirement[];
}

export interface NameSelector {
  regex?: string[];
  excludeRegex?: string[];
}

export interface ResourceFilters {
  namespaceSelector?: LabelSelector;
  selector?: LabelSelector;
  nameSelector?: NameSelector;
}

/** One RFC 6902 operation. */
export interface PatchOperation {
  op: "add" | "remove" | "replace" | "move" | "copy" | "test";
  path: string;
  value?: unknown;
  from?: string;
}
