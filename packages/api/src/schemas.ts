// OpenAPI v3 structural schemas for every kind, written as plain JSON so they can be copied
// verbatim into CustomResourceDefinitions (deploy/crds) and interpreted by validate.ts.
//
// CRD rules this file follows on purpose:
// - every node has a `type`, except patch `value`, which preserves whatever the user wrote;
// - no `additionalProperties: false` (apiextensions/v1 forbids it): an object with `properties`
//   is closed because the apiserver prunes / rejects unknown fields, and validate.ts mirrors that;
// - maps are `additionalProperties: {type: string}` without `properties`.

/** The OpenAPI v3 subset used by the schemas below and understood by validate.ts. */
export interface Schema {
  type?: "object" | "array" | "string" | "integer" | "number" | "boolean";
  description?: string;
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: Schema;
  items?: Schema;
  minItems?: number;
  enum?: string[];
  pattern?: string;
  minLength?: number;
  minimum?: number;
  format?: "date-time" | "int64";
  default?: unknown;
  nullable?: boolean;
  "x-kubernetes-preserve-unknown-fields"?: boolean;
  "x-kubernetes-list-type"?: "atomic" | "map" | "set";
  "x-kubernetes-list-map-keys"?: string[];
}

export type KindName = "LiveSynchronization" | "Task" | "TaskRun" | "KubernetesCluster" | "Bucket";

export const AUTOMATION_GROUP = "automation.livesync.dev";
export const ASSETS_GROUP = "assets.livesync.dev";
export const API_VERSION = "v1alpha1";

// Patterns. Kept as named constants so validate.ts can attach a readable hint to each.
export const DNS1123_SUBDOMAIN =
  "^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$";
export const API_GROUP_PATTERN =
  "^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*)?$";
export const API_VERSION_PATTERN = "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$";
export const RESOURCE_PATTERN = "^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$";
export const DURATION_PATTERN = "^(?:(\\d+)h)?(?:(\\d+)m)?(?:(\\d+)s)?$";

const str = (description: string, extra: Schema = {}): Schema => ({
  type: "string",
  description,
  ...extra,
});
const bool = (description: string, dflt?: boolean): Schema =>
  dflt === undefined
    ? { type: "boolean", description }
    : { type: "boolean", description, default: dflt };
const count = (description: string): Schema => ({
  type: "integer",
  format: "int64",
  minimum: 0,
  description,
});
const objectName = (description: string): Schema =>
  str(description, { pattern: DNS1123_SUBDOMAIN });
const timestamp = (description: string): Schema => str(description, { format: "date-time" });
const stringList = (description: string): Schema => ({
  type: "array",
  description,
  items: { type: "string" },
});
const enabledFlag = (description: string): Schema => ({
  type: "object",
  description,
  properties: { enabled: bool("Whether this feature is on.") },
});

const labelSelectorSchema = (description: string): Schema => ({
  type: "object",
  description,
  properties: {
    matchLabels: {
      type: "object",
      description: "Labels that must all be present with exactly these values.",
      additionalProperties: { type: "string" },
    },
    matchExpressions: {
      type: "array",
      description: "Label requirements, all of which must hold.",
      items: {
        type: "object",
        required: ["key", "operator"],
        properties: {
          key: str("The label key."),
          operator: str("How the label is compared with values.", {
            enum: ["In", "NotIn", "Exists", "DoesNotExist"],
          }),
          values: stringList("Non-empty for In/NotIn, empty for Exists/DoesNotExist."),
        },
      },
    },
  },
});

/** One RFC 6902 JSON Patch operation. */
export const patchOperationSchema: Schema = {
  type: "object",
  description: "An RFC 6902 JSON Patch operation.",
  required: ["op", "path"],
  properties: {
    op: str("The operation.", { enum: ["add", "remove", "replace", "move", "copy", "test"] }),
    path: str("JSON Pointer (RFC 6901) to the target location."),
    value: {
      description: "The value for add, replace and test; any JSON value.",
      nullable: true,
      "x-kubernetes-preserve-unknown-fields": true,
    },
    from: str("JSON Pointer to the source location for move and copy."),
  },
};

const patchList = (description: string): Schema => ({
  type: "array",
  description,
  items: patchOperationSchema,
});

const conditionsSchema: Schema = {
  type: "array",
  description: "Standard Kubernetes conditions, one per type.",
  "x-kubernetes-list-type": "map",
  "x-kubernetes-list-map-keys": ["type"],
  items: {
    type: "object",
    required: ["type", "status", "lastTransitionTime", "reason", "message"],
    properties: {
      type: str("Condition type, e.g. Ready."),
      status: str("Condition status.", { enum: ["True", "False", "Unknown"] }),
      reason: str("Machine-readable CamelCase reason."),
      message: str("Human-readable details."),
      lastTransitionTime: timestamp("When status last changed."),
      observedGeneration: count("The .metadata.generation the condition was set for."),
    },
  },
};

const observedGeneration = count("The .metadata.generation last processed by the operator.");

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
    filters: {
      type: "object",
      description: "Which objects of the resource are replicated; all filters must match.",
      properties: {
        namespaceSelector: labelSelectorSchema("Selects by the labels of the object's namespace."),
        selector: labelSelectorSchema("Selects by the object's own labels."),
        nameSelector: {
          type: "object",
          description: "Selects by object name with regular expressions.",
          properties: {
            regex: stringList("Names must match at least one of these."),
            excludeRegex: stringList("Names matching any of these are excluded."),
          },
        },
      },
    },
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
};

export const KIND_NAMES = Object.keys(KINDS) as KindName[];

/** "automation.livesync.dev/v1alpha1" for a kind. */
export const apiVersionOf = (k: KindName): string => `${KINDS[k].group}/${KINDS[k].version}`;
