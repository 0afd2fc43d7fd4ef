// Schemas of the backup.livesync.dev kinds (Backup, BackupSchedule, Restore), mirroring
// types.ts field for field; registered in KINDS by schemas.ts. Same CRD rules as schema-blocks.ts.

import {
  API_GROUP_PATTERN,
  API_VERSION_PATTERN,
  bool,
  conditionsSchema,
  count,
  DURATION_PATTERN,
  enabledFlag,
  labelSelectorSchema,
  namespaceName,
  objectName,
  observedGeneration,
  RESOURCE_PATTERN,
  resourceFilters,
  str,
  timestamp,
  type Schema,
} from "./schema-blocks.js";

const list = (description: string, items: Schema): Schema => ({
  type: "array",
  description,
  items,
});
const duration = (description: string): Schema => str(description, { pattern: DURATION_PATTERN });
const namespaces = (description: string): Schema =>
  list(description, namespaceName("A namespace name."));

const gvrProperties = (): Record<string, Schema> => ({
  group: str('API group; "" is the core group.', { default: "", pattern: API_GROUP_PATTERN }),
  version: str("API version, e.g. v1.", { pattern: API_VERSION_PATTERN }),
  resource: str("Lowercase plural resource name, e.g. deployments.", {
    pattern: RESOURCE_PATTERN,
  }),
});

const backupResource = (description: string, extra: Record<string, Schema> = {}): Schema => ({
  type: "object",
  description,
  required: ["version", "resource"],
  properties: {
    ...gvrProperties(),
    filters: resourceFilters("Which objects of the resource are included; all filters must match."),
    ...extra,
  },
});

const PHASES = ["New", "InProgress", "Completed", "PartiallyFailed", "Failed"];

export const backupSpec: Schema = {
  type: "object",
  required: ["sourceName"],
  properties: {
    sourceName: objectName("KubernetesCluster (same namespace) to back up."),
    bucketName: objectName("Bucket (same namespace) to store the backup in."),
    includedNamespaces: namespaces("Namespaces to include (default: all)."),
    excludedNamespaces: namespaces("Namespaces to leave out."),
    labelSelector: labelSelectorSchema("Only objects whose labels match."),
    resources: list(
      "Resources to include (default: every listable resource but the never-restored ones).",
      backupResource("A resource type to back up, as group/version/resource."),
    ),
    includeClusterResources: bool(
      "Include cluster-scoped resources (default true when no namespace is included explicitly).",
    ),
    ttl: duration("How long the backup is kept, %Hh%Mm%Ss; default 720h."),
    encryption: {
      type: "object",
      description: "Encrypt the stored archive (AES-256-GCM) with a key from a Secret.",
      required: ["secretName"],
      properties: {
        secretName: objectName("Secret (same namespace) holding the 32-byte key."),
        secretKey: str("Key of the Secret's data holding the key.", {
          default: "key",
          minLength: 1,
        }),
      },
    },
  },
};

const problem = (description: string, extra: Record<string, Schema> = {}): Schema => ({
  type: "object",
  description,
  required: ["message"],
  properties: {
    group: str("API group of the object concerned."),
    version: str("API version."),
    resource: str("Plural resource name."),
    namespace: str("Namespace, absent for cluster-scoped objects."),
    name: str("Object name."),
    message: str("What happened."),
    ...extra,
  },
});

export const backupStatus: Schema = {
  type: "object",
  properties: {
    observedGeneration,
    phase: str("Lifecycle phase.", { enum: PHASES }),
    startTime: timestamp("When the backup started."),
    completionTime: timestamp("When the backup finished."),
    expiration: timestamp("When retention deletes the backup (completionTime + ttl)."),
    itemsTotal: count("Objects to back up."),
    itemsBackedUp: count("Objects stored in the backup."),
    resources: list("Objects stored per resource.", {
      type: "object",
      required: ["group", "version", "resource", "items", "atomic"],
      properties: {
        group: str("API group."),
        version: str("API version."),
        resource: str("Plural resource name."),
        items: count("Objects of the resource stored in the backup."),
        skipped: count(
          "Objects in scope left out because they are never kept (owned by a controller, created by every cluster); not errors.",
        ),
        atomic: bool("Whether this resource was listed at the snapshot's resourceVersion."),
      },
    }),
    warnings: list("Warnings, with the object each concerns.", problem("A warning.")),
    errors: list("Errors, with the object each concerns.", problem("An error.")),
    resourceVersion: str("The etcd revision the snapshot was listed at."),
    atomic: bool("True when every resource was listed at resourceVersion."),
    nonAtomicResources: list(
      '"group/version/resource" of the resources listed at another moment.',
      { type: "string" },
    ),
    kubernetesVersion: str("The source's gitVersion, e.g. v1.35.4."),
    formatVersion: str("The backup format version (semver)."),
    location: str("Where the archive is: s3://<bucket>/<key> or a file path."),
    sha256: str("sha256 of the stored archive file (the encrypted bytes when encrypted)."),
    size: count("Size of the stored archive in bytes."),
    encrypted: bool("Whether the archive is encrypted."),
    conditions: conditionsSchema,
  },
};

export const backupScheduleSpec: Schema = {
  type: "object",
  required: ["schedule", "maxBackups", "template"],
  properties: {
    schedule: str('Five-field cron expression, e.g. "0 */6 * * *".', { minLength: 1 }),
    timeZone: str("IANA time zone the schedule is read in, e.g. Europe/Paris; default UTC."),
    maxBackups: {
      type: "integer",
      format: "int64",
      minimum: 1,
      description:
        "Completed backups kept; older ones are deleted (the newest successful one never is).",
    },
    ttl: duration(
      "TTL of the backups it creates, %Hh%Mm%Ss; default 720h. Overrides template.ttl.",
    ),
    paused: bool("Create no backups until set back to false.", false),
    template: { ...backupSpec, description: "The spec of every Backup the schedule creates." },
  },
};

export const backupScheduleStatus: Schema = {
  type: "object",
  properties: {
    observedGeneration,
    phase: str("Lifecycle phase.", { enum: ["New", "Enabled", "Paused", "FailedValidation"] }),
    lastBackup: str("Name of the last Backup created."),
    lastBackupTime: timestamp("When the last Backup was created."),
    lastSuccessfulBackup: str("Name of the last Backup that Completed."),
    lastSuccessfulBackupTime: timestamp("When the last successful Backup completed."),
    nextRun: timestamp("When the next Backup is due."),
    conditions: conditionsSchema,
  },
};

const stringMap = (description: string, values: Schema): Schema => ({
  type: "object",
  description,
  additionalProperties: values,
});

export const restoreSpec: Schema = {
  type: "object",
  required: ["destinationName"],
  properties: {
    destinationName: objectName("KubernetesCluster (same namespace) to restore into."),
    bucketName: objectName("Bucket (same namespace) holding the backups (or the live archive)."),
    backupName: objectName('"latest" (the newest Completed backup) or a backup name.'),
    scheduleName: objectName("Restore the latest successful backup of this BackupSchedule."),
    backups: stringMap(
      'BackupSchedule name -> "latest", "skip" or a backup name.',
      objectName('"latest", "skip" or a backup name.'),
    ),
    fromArchive: enabledFlag("Restore the newest originals kept by the archiver."),
    includedNamespaces: namespaces("Namespaces to restore (default: all of the backup's)."),
    excludedNamespaces: namespaces("Namespaces not to restore."),
    resources: list(
      "Resources to restore (default: all of the backup's).",
      backupResource("A resource type to restore, as group/version/resource."),
    ),
    labelSelector: labelSelectorSchema("Only objects whose labels match."),
    namespaceMapping: stringMap(
      "Source namespace -> destination namespace.",
      namespaceName("The destination namespace."),
    ),
    existingResourcePolicy: str(
      "What to do with objects that exist already: none (leave them, report differences), update (make them equal to the backup), revert (update, and delete what is in scope but not in the backup).",
      { default: "none", enum: ["none", "update", "revert"] },
    ),
    dryRun: bool("Plan and validate (dryRun=All) without writing anything."),
    allowVersionSkew: bool("Restore across more than one Kubernetes minor version."),
    waitFor: list("Ordered groups restored last, each waited for before the next starts.", {
      type: "object",
      required: ["resources"],
      properties: {
        resources: list(
          "Objects of these resources (and optional names) form the group.",
          backupResource("A resource type of the group.", {
            names: list("Only these objects of the resource.", objectName("An object name.")),
          }),
        ),
        condition: str("Condition type that must be True on each object; default Ready.", {
          minLength: 1,
        }),
        timeout: duration("How long to wait, %Hh%Mm%Ss; default 10m."),
      },
    }),
  },
};

const restoreCounts = (): Record<string, Schema> => ({
  created: count("Objects created."),
  updated: count("Existing objects updated."),
  deleted: count("Objects deleted (policy revert)."),
  unchanged: count("Existing objects already equal to the backup."),
  skipped: count("Objects not restored on purpose."),
  failed: count("Objects that could not be restored."),
});
const COUNT_KEYS = Object.keys(restoreCounts());
const ACTIONS = ["create", "update", "delete", "unchanged", "skip", "failed"];

const itemProblem = (description: string): Schema =>
  problem(description, { action: str("What was done to the object.", { enum: ACTIONS }) });

export const restoreStatus: Schema = {
  type: "object",
  properties: {
    observedGeneration,
    phase: str("Lifecycle phase.", { enum: PHASES }),
    startTime: timestamp("When the restore started."),
    completionTime: timestamp("When the restore finished."),
    backups: list('The backups restored from ("archive" for the live archive).', {
      type: "string",
    }),
    dryRun: bool("Whether this was a dry run (nothing written)."),
    counts: {
      type: "object",
      description: "Objects per action.",
      required: COUNT_KEYS,
      properties: restoreCounts(),
    },
    resources: list("Objects per action, per resource.", {
      type: "object",
      required: [...COUNT_KEYS, "group", "version", "resource"],
      properties: {
        group: str("API group."),
        version: str("API version."),
        resource: str("Plural resource name."),
        ...restoreCounts(),
      },
    }),
    failures: list("Objects that failed, and why.", itemProblem("A failure.")),
    warnings: list("Warnings, with the object each concerns.", itemProblem("A warning.")),
    auditLocation: str("Where the full audit is: s3://<bucket>/<key>."),
    conditions: conditionsSchema,
  },
};
