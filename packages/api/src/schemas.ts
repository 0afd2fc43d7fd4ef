// OpenAPI v3 structural schemas for every kind, written as plain JSON so they can be copied
// verbatim into CustomResourceDefinitions (deploy/crds) and interpreted by validate.ts; built from
// schema-blocks.ts, which also states the CRD rules they follow.

import {
  backupScheduleSpec,
  backupScheduleStatus,
  backupSpec,
  backupStatus,
  restoreSpec,
  restoreStatus,
} from "./backup-schemas.js";
import {
  API_GROUP_PATTERN,
  API_VERSION_PATTERN,
  bool,
  conditionsSchema,
  count,
  DURATION_PATTERN,
  enabledFlag,
  objectName,
  observedGeneration,
  patchList,
  RESOURCE_PATTERN,
  resourceFilters,
  str,
  timestamp,
  type Schema,
} from "./schema-blocks.js";

export {
  DNS1123_LABEL,
  DNS1123_SUBDOMAIN,
  API_GROUP_PATTERN,
  API_VERSION_PATTERN,
  RESOURCE_PATTERN,
  DURATION_PATTERN,
  patchOperationSchema,
  type Schema,
} from "./schema-blocks.js";

export type KindName =
  | "LiveSynchronization"
  | "Task"
  | "TaskRun"
  | "KubernetesCluster"
  | "Bucket"
  | "Backup"
  | "BackupSchedule"
  | "Restore";

export const AUTOMATION_GROUP = "automation.livesync.dev";
export const ASSETS_GROUP = "assets.livesync.dev";
export const BACKUP_GROUP = "backup.livesync.dev";
export const API_VERSION = "v1alpha1";

const replicatedResourceSchema: Schema = {
  type: "object",
  description: "A set of objects of one resource type to replicate.",
  required: ["version", "resource"],
  properties: {
    group: str('API group; "" is the core group.', { default: "", pattern: API_GROUP_PATTERN }),
    version: str("API version, e.g. v1.", { pattern: API_VERSION_PATTERN }),
    resource: str("Lowercase plural resource name, e.g. deployments.", {
      pattern: RESOURCE_PATTERN,
    }),
    transformation: {
      type: "object",
      description: "Changes applied to each copy in the destination cluster.",
      properties: { patch: patchList("JSON Patch applied to every replicated object.") },
    },
    filters: resourceFilters(
      "Which objects of the resource are replicated; all filters must match.",
    ),
    recoveryProcess: {
      type: "object",
      description: "How copies are activated during a recovery.",
      properties: {
        fromPatch: patchList("JSON Patch applied to the copy in the destination cluster."),
        fromOriginal: enabledFlag("Restore the untransformed original from the bucket."),
      },
    },
  },
};

const liveSynchronizationSpec: Schema = {
  type: "object",
  required: ["plugin", "config"],
  properties: {
    suspend: bool("Stop replicating until set back to false.", false),
    plugin: str("Replication plugin.", { enum: ["kubernetes-objects-to-kubernetes"] }),
    config: {
      type: "object",
      required: ["sourceName", "destinationName", "replication"],
      properties: {
        sourceName: objectName("KubernetesCluster (same namespace) to replicate from."),
        destinationName: objectName("KubernetesCluster (same namespace) to replicate into."),
        bucketName: objectName("Bucket (same namespace) that archives the originals."),
        observability: enabledFlag("Observability settings."),
        resyncPeriod: str("Full resynchronization interval, %Hh%Mm%Ss; default 1h.", {
          pattern: DURATION_PATTERN,
        }),
        replication: {
          type: "object",
          required: ["resources"],
          properties: {
            resyncPeriod: str("Same as spec.config.resyncPeriod (both places are accepted).", {
              pattern: DURATION_PATTERN,
            }),
            resources: {
              type: "array",
              description: "Resource sets to replicate.",
              minItems: 1,
              items: replicatedResourceSchema,
            },
          },
        },
      },
    },
  },
};

const liveSynchronizationStatus: Schema = {
  type: "object",
  properties: {
    observedGeneration,
    conditions: conditionsSchema,
    synced: count("Objects whose copy is up to date."),
    outOfSync: count("Objects whose copy is missing or stale."),
    failed: count("Objects that could not be replicated."),
    lastSyncTime: timestamp("End of the last full resynchronization."),
  },
};

const assetStatus: Schema = {
  type: "object",
  properties: { observedGeneration, conditions: conditionsSchema },
};

const kubernetesClusterSpec: Schema = {
  type: "object",
  required: ["secretName"],
  properties: {
    secretName: objectName("Secret (same namespace) holding the kubeconfig."),
    secretKey: str("Key of the kubeconfig in the Secret.", {
      default: "kubeconfig.yaml",
      minLength: 1,
    }),
  },
};

const bucketSpec: Schema = {
  type: "object",
  required: ["generic", "secretName"],
  properties: {
    generic: {
      type: "object",
      description: "Any S3-compatible object storage (AWS S3, Google Cloud Storage, MinIO).",
      required: ["endpoint", "name"],
      properties: {
        endpoint: str("host[:port] of the S3 API, without scheme.", { minLength: 1 }),
        name: str("Bucket name.", { minLength: 1 }),
        useSSL: bool("Use https.", true),
        region: str("Signing region; S3 needs the bucket's region.", { default: "us-east-1" }),
        forcePathStyle: bool("Address the bucket as endpoint/name instead of name.endpoint."),
      },
    },
    secretName: objectName("Secret (same namespace) with accessKeyID and secretAccessKey."),
  },
};

const taskSpec: Schema = {
  type: "object",
  required: ["plugin", "config"],
  properties: {
    plugin: str("Task plugin.", { enum: ["kubernetes-objects-transformation"] }),
    config: {
      type: "object",
      required: ["resources"],
      properties: {
        resources: {
          type: "array",
          items: {
            type: "object",
            required: ["identifier"],
            properties: {
              identifier: {
                type: "object",
                required: ["group", "version", "resources"],
                properties: {
                  group: str('API group; "" is the core group.', { pattern: API_GROUP_PATTERN }),
                  version: str("API version.", { pattern: API_VERSION_PATTERN }),
                  resources: str("Lowercase plural resource name (the upstream API's key name).", {
                    pattern: RESOURCE_PATTERN,
                  }),
                },
              },
              patch: {
                type: "object",
                required: ["operations"],
                properties: { operations: patchList("JSON Patch applied in the destination.") },
              },
              fromOriginal: enabledFlag("Restore originals from the bucket."),
            },
          },
        },
      },
    },
  },
};

const taskStatus: Schema = { type: "object", properties: { conditions: conditionsSchema } };

const taskRunSpec: Schema = {
  type: "object",
  required: ["taskName"],
  properties: {
    taskName: objectName("Task (same namespace) to run."),
    suspendLiveSynchronization: bool("Suspend the owning LiveSynchronization first.", true),
    dryRun: bool("Compute the changes without applying them.", false),
  },
};

const gvrCounts = ["group", "version", "resource"];
const taskRunStatus: Schema = {
  type: "object",
  properties: {
    phase: str("Lifecycle phase.", {
      enum: ["Pending", "Running", "Succeeded", "Failed", "PartiallySucceeded"],
    }),
    startTime: timestamp("When the run started."),
    completionTime: timestamp("When the run finished."),
    resources: {
      type: "array",
      items: {
        type: "object",
        required: [...gvrCounts, "total", "succeeded", "failed"],
        properties: {
          group: str("API group."),
          version: str("API version."),
          resource: str("Plural resource name."),
          total: count("Objects processed."),
          succeeded: count("Objects recovered."),
          failed: count("Objects that failed."),
        },
      },
    },
    failures: {
      type: "array",
      items: {
        type: "object",
        required: ["name", ...gvrCounts, "reason"],
        properties: {
          namespace: str("Namespace of the object, absent for cluster-scoped ones."),
          name: str("Object name."),
          group: str("API group."),
          version: str("API version."),
          resource: str("Plural resource name."),
          reason: str("Why it failed."),
        },
      },
    },
    conditions: conditionsSchema,
  },
};

export interface KindInfo {
  group: string;
  version: string;
  kind: KindName;
  plural: string;
  singular: string;
  shortNames: string[];
  namespaced: true;
  specSchema: Schema;
  statusSchema: Schema;
}

const kind = (
  group: string,
  name: KindName,
  shortNames: string[],
  specSchema: Schema,
  statusSchema: Schema,
): KindInfo => ({
  group,
  version: API_VERSION,
  kind: name,
  plural: `${name.toLowerCase()}s`,
  singular: name.toLowerCase(),
  shortNames,
  namespaced: true,
  specSchema,
  statusSchema,
});

export const KINDS: Record<KindName, KindInfo> = {
  LiveSynchronization: kind(
    AUTOMATION_GROUP,
    "LiveSynchronization",
    ["lsync"],
    liveSynchronizationSpec,
    liveSynchronizationStatus,
  ),
  Task: kind(AUTOMATION_GROUP, "Task", ["lstask"], taskSpec, taskStatus),
  TaskRun: kind(AUTOMATION_GROUP, "TaskRun", ["lstaskrun"], taskRunSpec, taskRunStatus),
  KubernetesCluster: kind(
    ASSETS_GROUP,
    "KubernetesCluster",
    ["kcluster"],
    kubernetesClusterSpec,
    assetStatus,
  ),
  Bucket: kind(ASSETS_GROUP, "Bucket", ["lsbucket"], bucketSpec, assetStatus),
  Backup: kind(BACKUP_GROUP, "Backup", ["lsbackup"], backupSpec, backupStatus),
  BackupSchedule: kind(
    BACKUP_GROUP,
    "BackupSchedule",
    ["lsbsched"],
    backupScheduleSpec,
    backupScheduleStatus,
  ),
  Restore: kind(BACKUP_GROUP, "Restore", ["lsrestore"], restoreSpec, restoreStatus),
};

export const KIND_NAMES = Object.keys(KINDS) as KindName[];

/** "automation.livesync.dev/v1alpha1" for a kind. */
export const apiVersionOf = (k: KindName): string => `${KINDS[k].group}/${KINDS[k].version}`;
