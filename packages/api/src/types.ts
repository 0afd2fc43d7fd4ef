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
export type LivesyncObject =
  | LiveSynchronization
  | Task
  | TaskRun
  | KubernetesCluster
  | Bucket
  | Backup
  | BackupSchedule
  | Restore;

/** A core v1 Secret as found in manifests (not schema-checked). */
export interface Secret {
  apiVersion: "v1";
  kind: "Secret";
  metadata: ObjectMeta;
  type?: string;
  data?: Record<string, string>;
  stringData?: Record<string, string>;
}

// ---- backup.livesync.dev: Backup, BackupSchedule, Restore ----

/** One resource type of a backup or restore scope, with the LiveSynchronization filter shape. */
export interface BackupResource {
  /** "" (the default) is the core group. */
  group?: string;
  version: string;
  resource: string;
  filters?: ResourceFilters;
}

export interface BackupEncryption {
  /** Secret (same namespace) holding the key: 32 bytes, base64 in the Secret's data. */
  secretName: string;
  /** Key of the Secret's data holding the key; defaults to "key". */
  secretKey?: string;
}

/** What a backup holds. Also BackupSchedule.spec.template. */
export interface BackupSpec {
  /** KubernetesCluster (same namespace) to back up. */
  sourceName: string;
  /** Bucket (same namespace) to store the backup in. */
  bucketName?: string;
  /** Namespaces to include (default: all). */
  includedNamespaces?: string[];
  /** Namespaces to leave out. */
  excludedNamespaces?: string[];
  /** Only objects whose labels match. */
  labelSelector?: LabelSelector;
  /** Resources to include (default: every listable resource but the never-restored ones). */
  resources?: BackupResource[];
  /** Include cluster-scoped resources (default true when no namespace is included explicitly). */
  includeClusterResources?: boolean;
  /** How long the backup is kept, %Hh%Mm%Ss; default 720h. */
  ttl?: string;
  encryption?: BackupEncryption;
}

export type BackupPhase = "New" | "InProgress" | "Completed" | "PartiallyFailed" | "Failed";

/** A warning or error, and the object (or resource) it concerns. */
export interface BackupProblem {
  group?: string;
  version?: string;
  resource?: string;
  namespace?: string;
  name?: string;
  message: string;
}

export interface BackupResourceCount {
  group: string;
  version: string;
  resource: string;
  /** Objects of the resource stored in the backup. */
  items: number;
  /** Objects in scope left out because they are never kept (owned by a controller…); not errors. */
  skipped?: number;
  /** Whether this resource was listed at the snapshot's resourceVersion. */
  atomic: boolean;
}

export interface BackupStatus {
  observedGeneration?: number;
  phase?: BackupPhase;
  startTime?: string;
  completionTime?: string;
  /** When retention deletes the backup (completionTime + ttl). */
  expiration?: string;
  itemsTotal?: number;
  itemsBackedUp?: number;
  resources?: BackupResourceCount[];
  warnings?: BackupProblem[];
  errors?: BackupProblem[];
  /** The etcd revision the snapshot was listed at. */
  resourceVersion?: string;
  /** True when every resource was listed at resourceVersion. */
  atomic?: boolean;
  /** "group/version/resource" of the resources listed at another moment (atomic false). */
  nonAtomicResources?: string[];
  /** The source's gitVersion, e.g. v1.35.4. */
  kubernetesVersion?: string;
  /** The backup format version (semver). */
  formatVersion?: string;
  /** Where the archive is: s3://<bucket>/<key> or a file path. */
  location?: string;
  /** sha256 of the stored archive file (the encrypted bytes when encrypted). */
  sha256?: string;
  /** Size of the stored archive in bytes. */
  size?: number;
  encrypted?: boolean;
  conditions?: Condition[];
}

export interface BackupScheduleSpec {
  /** Five-field cron expression, e.g. "0 *\/6 * * *". */
  schedule: string;
  /** IANA time zone the schedule is read in; default UTC. */
  timeZone?: string;
  /** Completed backups kept; older ones are deleted (the newest successful one never is). */
  maxBackups: number;
  /** TTL of the backups it creates; default 720h. Overrides template.ttl. */
  ttl?: string;
  paused?: boolean;
  template: BackupSpec;
}

export interface BackupScheduleStatus {
  observedGeneration?: number;
  phase?: "New" | "Enabled" | "Paused" | "FailedValidation";
  lastBackup?: string;
  lastBackupTime?: string;
  lastSuccessfulBackup?: string;
  lastSuccessfulBackupTime?: string;
  nextRun?: string;
  conditions?: Condition[];
}

export type ExistingResourcePolicy = "none" | "update" | "revert";

/** Objects restored, then waited for, before the next group starts. */
export interface RestoreWaitGroup {
  /** Objects of these resources (and optional names) form the group. */
  resources: (BackupResource & { names?: string[] })[];
  /** Condition type that must be True on each object; default Ready. */
  condition?: string;
  /** How long to wait, %Hh%Mm%Ss; default 10m. */
  timeout?: string;
}

export interface RestoreSpec {
  /** KubernetesCluster (same namespace) to restore into. */
  destinationName: string;
  /** Bucket (same namespace) holding the backups (or the live archive). */
  bucketName?: string;
  /** "latest" (the newest Completed backup) or a backup name. */
  backupName?: string;
  /** The latest successful backup of this BackupSchedule. */
  scheduleName?: string;
  /** BackupSchedule name -> "latest" | "skip" | a backup name. */
  backups?: Record<string, string>;
  /** Restore the newest originals kept by the archiver instead of a backup. */
  fromArchive?: EnabledFlag;
  includedNamespaces?: string[];
  excludedNamespaces?: string[];
  resources?: BackupResource[];
  labelSelector?: LabelSelector;
  /** Source namespace -> destination namespace. */
  namespaceMapping?: Record<string, string>;
  existingResourcePolicy?: ExistingResourcePolicy;
  dryRun?: boolean;
  allowVersionSkew?: boolean;
  waitFor?: RestoreWaitGroup[];
}

export type RestoreAction = "create" | "update" | "delete" | "unchanged" | "skip" | "failed";

export interface RestoreCounts {
  created: number;
  updated: number;
  deleted: number;
  unchanged: number;
  skipped: number;
  failed: number;
}

export interface RestoreItemProblem extends BackupProblem {
  action?: RestoreAction;
}

export interface RestoreStatus {
  observedGeneration?: number;
  phase?: BackupPhase;
  startTime?: string;
  completionTime?: string;
  /** The backups restored from ("archive" for the live archive). */
  backups?: string[];
  dryRun?: boolean;
  counts?: RestoreCounts;
  resources?: (RestoreCounts & { group: string; version: string; resource: string })[];
  failures?: RestoreItemProblem[];
  warnings?: RestoreItemProblem[];
  /** Where the full audit is: s3://<bucket>/<key>. */
  auditLocation?: string;
  conditions?: Condition[];
}

export type Backup = ApiObject<"backup.livesync.dev/v1alpha1", "Backup", BackupSpec, BackupStatus>;
export type BackupSchedule = ApiObject<
  "backup.livesync.dev/v1alpha1",
  "BackupSchedule",
  BackupScheduleSpec,
  BackupScheduleStatus
>;
export type Restore = ApiObject<
  "backup.livesync.dev/v1alpha1",
  "Restore",
  RestoreSpec,
  RestoreStatus
>;
