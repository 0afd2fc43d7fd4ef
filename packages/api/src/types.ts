// TypeScript types, written by hand to mirror schemas.ts field for field (optional = not in
// `required`). types.test.ts checks every interface's keys and optionality against the schemas,
// and the literal unions against the schema enums, so the two cannot drift apart silently.

import type { ObjectMeta } from "./objects.js";

export interface LabelSelectorRequirement {
  key: string;
  operator: "In" | "NotIn" | "Exists" | "DoesNotExist";
  values?: string[];
}

export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: LabelSelectorRequirement[];
}

/** RFC 6902 JSON Patch operation. */
export interface PatchOperation {
  op: "add" | "remove" | "replace" | "move" | "copy" | "test";
  path: string;
  value?: unknown;
  from?: string;
}

export interface EnabledFlag {
  enabled?: boolean;
}

export interface Condition {
  type: string;
  status: "True" | "False" | "Unknown";
  reason: string;
  message: string;
  lastTransitionTime: string;
  observedGeneration?: number;
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

export interface ReplicatedResource {
  /** "" (the default) is the core group. */
  group?: string;
  version: string;
  resource: string;
  transformation?: { patch?: PatchOperation[] };
  filters?: ResourceFilters;
  recoveryProcess?: { fromPatch?: PatchOperation[]; fromOriginal?: EnabledFlag };
}

export interface Replication {
  resyncPeriod?: string;
  resources: ReplicatedResource[];
}

export interface LiveSynchronizationConfig {
  sourceName: string;
  destinationName: string;
  bucketName?: string;
  observability?: EnabledFlag;
  resyncPeriod?: string;
  replication: Replication;
}

export interface LiveSynchronizationSpec {
  suspend?: boolean;
  plugin: "kubernetes-objects-to-kubernetes";
  config: LiveSynchronizationConfig;
}

export interface LiveSynchronizationStatus {
  observedGeneration?: number;
  conditions?: Condition[];
  synced?: number;
  outOfSync?: number;
  failed?: number;
  lastSyncTime?: string;
}

export interface KubernetesClusterSpec {
  secretName: string;
  /** Defaults to "kubeconfig.yaml". */
  secretKey?: string;
}

export interface GenericBucket {
  endpoint: string;
  name: string;
  useSSL?: boolean;
  region?: string;
  forcePathStyle?: boolean;
}

export interface BucketSpec {
  generic: GenericBucket;
  /** Secret with keys accessKeyID and secretAccessKey. */
  secretName: string;
}

/** Status shared by KubernetesCluster and Bucket. */
export interface AssetStatus {
  observedGeneration?: number;
  conditions?: Condition[];
}

export interface TaskResourceIdentifier {
  group: string;
  version: string;
  /** Plural resource name; the key is "resources" as in the upstream API. */
  resources: string;
}

export interface TaskResource {
  identifier: TaskResourceIdentifier;
  patch?: { operations: PatchOperation[] };
  fromOriginal?: EnabledFlag;
}

export interface TaskSpec {
  plugin: "kubernetes-objects-transformation";
  config: { resources: TaskResource[] };
}

export interface TaskStatus {
  conditions?: Condition[];
}

export interface TaskRunSpec {
  taskName: string;
  suspendLiveSynchronization?: boolean;
  dryRun?: boolean;
}

export interface TaskRunResourceCount {
  group: string;
  version: string;
  resource: string;
  total: number;
  succeeded: number;
  failed: number;
}

export interface TaskRunFailure {
  namespace?: string;
  name: string;
  group: string;
  version: string;
  resource: string;
  reason: string;
}

export interface TaskRunStatus {
  phase?: "Pending" | "Running" | "Succeeded" | "Failed" | "PartiallySucceeded";
  startTime?: string;
  completionTime?: string;
  resources?: TaskRunResourceCount[];
  failures?: TaskRunFailure[];
  conditions?: Condition[];
}

interface ApiObject<V extends string, K extends string, S, St> {
  apiVersion: V;
  kind: K;
  metadata: ObjectMeta;
  spec: S;
  status?: St;
}

export type LiveSynchronization = ApiObject<
  "automation.livesync.dev/v1alpha1",
  "LiveSynchronization",
  LiveSynchronizationSpec,
  LiveSynchronizationStatus
>;
export type Task = ApiObject<"automation.livesync.dev/v1alpha1", "Task", TaskSpec, TaskStatus>;
export type TaskRun = ApiObject<
  "automation.livesync.dev/v1alpha1",
  "TaskRun",
  TaskRunSpec,
  TaskRunStatus
>;
export type KubernetesCluster = ApiObject<
  "assets.livesync.dev/v1alpha1",
  "KubernetesCluster",
  KubernetesClusterSpec,
  AssetStatus
>;
export type Bucket = ApiObject<"assets.livesync.dev/v1alpha1", "Bucket", BucketSpec, AssetStatus>;

/** Any object of the livesync API groups. */
export type LivesyncObject = LiveSynchronization | Task | TaskRun | KubernetesCluster | Bucket;

/** A core v1 Secret as found in manifests (not schema-checked). */
export interface Secret {
  apiVersion: "v1";
  kind: "Secret";
  metadata: ObjectMeta;
  type?: string;
  data?: Record<string, string>;
  stringData?: Record<string, string>;
}
