// Keeps the hand-written types (types.ts) and the schemas (schemas.ts) in lockstep. Each field
// list below is checked by the compiler against a TypeScript interface (every key present, no
// extra key, optionality right) and by the test against the schema node (same properties, same
// `required`). Enum unions are checked the same way.
import { describe, expect, it } from "vitest";
import { KINDS, type Schema } from "./schemas.js";
import type * as T from "./types.js";

type Presence = "required" | "optional";
type FieldList<O> = { [K in keyof O]-?: object extends Pick<O, K> ? "optional" : "required" };
const fields = <O>(list: FieldList<O>): Record<string, Presence> => list;
const members = <U extends string>(all: Record<U, true>): string[] => Object.keys(all);

/** Walks "config.replication.resources[]" style paths through properties and items. */
function at(schema: Schema, path: string): Schema {
  let s: Schema | undefined = schema;
  for (const part of path.split(".").filter(Boolean)) {
    const name = part.replace(/\[\]$/, "");
    s = s?.properties?.[name];
    if (part.endsWith("[]")) s = s?.items;
  }
  if (!s) throw new Error(`no schema at ${path}`);
  return s;
}

const LS = KINDS.LiveSynchronization.specSchema;
const RES = at(LS, "config.replication.resources[]");
const TASK = KINDS.Task.specSchema;
const RUN = KINDS.TaskRun.statusSchema;
const SEL = at(RES, "filters.namespaceSelector");
const CONDITION = at(KINDS.LiveSynchronization.statusSchema, "conditions[]");

type Case = [string, Schema, Record<string, Presence>];

/** A label selector and its requirements. */
const selectorCases = (where: string, sel: Schema): Case[] => [
  [
    `LabelSelector (${where})`,
    sel,
    fields<T.LabelSelector>({ matchLabels: "optional", matchExpressions: "optional" }),
  ],
  [
    `LabelSelectorRequirement (${where})`,
    at(sel, "matchExpressions[]"),
    fields<T.LabelSelectorRequirement>({
      key: "required",
      operator: "required",
      values: "optional",
    }),
  ],
];

/** A resource entry's filters, as shared by LiveSynchronization, Backup and Restore. */
const filterCases = (where: string, filters: Schema): Case[] => [
  [
    `ResourceFilters (${where})`,
    filters,
    fields<T.ResourceFilters>({
      namespaceSelector: "optional",
      selector: "optional",
      nameSelector: "optional",
    }),
  ],
  [
    `NameSelector (${where})`,
    at(filters, "nameSelector"),
    fields<T.NameSelector>({ regex: "optional", excludeRegex: "optional" }),
  ],
  ...selectorCases(`${where} namespaceSelector`, at(filters, "namespaceSelector")),
  ...selectorCases(`${where} selector`, at(filters, "selector")),
];

const BACKUP_RESOURCE: FieldList<T.BackupResource> = {
  group: "optional",
  version: "required",
  resource: "required",
  filters: "optional",
};

/** A BackupSpec (Backup.spec or BackupSchedule.spec.template) and its parts. */
const backupSpecCases = (where: string, spec: Schema): Case[] => [
  [
    `BackupSpec (${where})`,
    spec,
    fields<T.BackupSpec>({
      sourceName: "required",
      bucketName: "optional",
      includedNamespaces: "optional",
      excludedNamespaces: "optional",
      labelSelector: "optional",
      resources: "optional",
      includeClusterResources: "optional",
      ttl: "optional",
      encryption: "optional",
    }),
  ],
  [`BackupResource (${where})`, at(spec, "resources[]"), fields(BACKUP_RESOURCE)],
  ...filterCases(`${where} resources`, at(spec, "resources[].filters")),
  ...selectorCases(`${where} labelSelector`, at(spec, "labelSelector")),
  [
    `BackupEncryption (${where})`,
    at(spec, "encryption"),
    fields<T.BackupEncryption>({ secretName: "required", secretKey: "optional" }),
  ],
];

const BACKUP_PROBLEM: FieldList<T.BackupProblem> = {
  group: "optional",
  version: "optional",
  resource: "optional",
  namespace: "optional",
  name: "optional",
  message: "required",
};
const RESTORE_ITEM_PROBLEM = fields<T.RestoreItemProblem>({
  ...BACKUP_PROBLEM,
  action: "optional",
});
const RESTORE_COUNTS: FieldList<T.RestoreCounts> = {
  created: "required",
  updated: "required",
  deleted: "required",
  unchanged: "required",
  skipped: "required",
  failed: "required",
};

const BACKUP = KINDS.Backup;
const SCHEDULE = KINDS.BackupSchedule;
const RESTORE = KINDS.Restore.specSchema;
const RESTORE_STATUS = KINDS.Restore.statusSchema;
type WaitResource = T.RestoreWaitGroup["resources"][number];

const backupCases: Case[] = [
  ...backupSpecCases("Backup", BACKUP.specSchema),
  [
    "BackupStatus",
    BACKUP.statusSchema,
    fields<T.BackupStatus>({
      observedGeneration: "optional",
      phase: "optional",
      startTime: "optional",
      completionTime: "optional",
      expiration: "optional",
      itemsTotal: "optional",
      itemsBackedUp: "optional",
      resources: "optional",
      warnings: "optional",
      errors: "optional",
      resourceVersion: "optional",
      atomic: "optional",
      nonAtomicResources: "optional",
      kubernetesVersion: "optional",
      formatVersion: "optional",
      location: "optional",
      sha256: "optional",
      size: "optional",
      encrypted: "optional",
      conditions: "optional",
    }),
  ],
  [
    "BackupResourceCount",
    at(BACKUP.statusSchema, "resources[]"),
    fields<T.BackupResourceCount>({
      group: "required",
      version: "required",
      resource: "required",
      items: "required",
      skipped: "optional",
      atomic: "required",
    }),
  ],
  ["BackupProblem (warnings)", at(BACKUP.statusSchema, "warnings[]"), fields(BACKUP_PROBLEM)],
  ["BackupProblem (errors)", at(BACKUP.statusSchema, "errors[]"), fields(BACKUP_PROBLEM)],
  [
    "BackupScheduleSpec",
    SCHEDULE.specSchema,
    fields<T.BackupScheduleSpec>({
      schedule: "required",
      timeZone: "optional",
      maxBackups: "required",
      ttl: "optional",
      paused: "optional",
      template: "required",
    }),
  ],
  ...backupSpecCases("BackupSchedule template", at(SCHEDULE.specSchema, "template")),
  [
    "BackupScheduleStatus",
    SCHEDULE.statusSchema,
    fields<T.BackupScheduleStatus>({
      observedGeneration: "optional",
      phase: "optional",
      lastBackup: "optional",
      lastBackupTime: "optional",
      lastSuccessfulBackup: "optional",
      lastSuccessfulBackupTime: "optional",
      nextRun: "optional",
      conditions: "optional",
    }),
  ],
  [
    "RestoreSpec",
    RESTORE,
    fields<T.RestoreSpec>({
      destinationName: "required",
      bucketName: "optional",
      backupName: "optional",
      scheduleName: "optional",
      backups: "optional",
      fromArchive: "optional",
      includedNamespaces: "optional",
      excludedNamespaces: "optional",
      resources: "optional",
      labelSelector: "optional",
      namespaceMapping: "optional",
      existingResourcePolicy: "optional",
      dryRun: "optional",
      allowVersionSkew: "optional",
      waitFor: "optional",
    }),
  ],
  [
    "EnabledFlag (fromArchive)",
    at(RESTORE, "fromArchive"),
    fields<T.EnabledFlag>({ enabled: "optional" }),
  ],
  ["BackupResource (Restore)", at(RESTORE, "resources[]"), fields(BACKUP_RESOURCE)],
  ...filterCases("Restore resources", at(RESTORE, "resources[].filters")),
  ...selectorCases("Restore labelSelector", at(RESTORE, "labelSelector")),
  [
    "RestoreWaitGroup",
    at(RESTORE, "waitFor[]"),
    fields<T.RestoreWaitGroup>({
      resources: "required",
      condition: "optional",
      timeout: "optional",
    }),
  ],
  [
    "RestoreWaitGroup resource",
    at(RESTORE, "waitFor[].resources[]"),
    fields<WaitResource>({ ...BACKUP_RESOURCE, names: "optional" }),
  ],
  ...filterCases("waitFor resources", at(RESTORE, "waitFor[].resources[].filters")),
  [
    "RestoreStatus",
    RESTORE_STATUS,
    fields<T.RestoreStatus>({
      observedGeneration: "optional",
      phase: "optional",
      startTime: "optional",
      completionTime: "optional",
      backups: "optional",
      dryRun: "optional",
      counts: "optional",
      resources: "optional",
      failures: "optional",
      warnings: "optional",
      auditLocation: "optional",
      conditions: "optional",
    }),
  ],
  ["RestoreCounts", at(RESTORE_STATUS, "counts"), fields(RESTORE_COUNTS)],
  [
    "RestoreStatus resource counts",
    at(RESTORE_STATUS, "resources[]"),
    fields<NonNullable<T.RestoreStatus["resources"]>[number]>({
      ...RESTORE_COUNTS,
      group: "required",
      version: "required",
      resource: "required",
    }),
  ],
  ["RestoreItemProblem (failures)", at(RESTORE_STATUS, "failures[]"), RESTORE_ITEM_PROBLEM],
  ["RestoreItemProblem (warnings)", at(RESTORE_STATUS, "warnings[]"), RESTORE_ITEM_PROBLEM],
];

const cases: Case[] = [
  [
    "LiveSynchronizationSpec",
    LS,
    fields<T.LiveSynchronizationSpec>({
      suspend: "optional",
      plugin: "required",
      config: "required",
    }),
  ],
  [
    "LiveSynchronizationConfig",
    at(LS, "config"),
    fields<T.LiveSynchronizationConfig>({
      sourceName: "required",
      destinationName: "required",
      bucketName: "optional",
      observability: "optional",
      resyncPeriod: "optional",
      replication: "required",
    }),
  ],
  [
    "EnabledFlag (observability)",
    at(LS, "config.observability"),
    fields<T.EnabledFlag>({ enabled: "optional" }),
  ],
  [
    "Replication",
    at(LS, "config.replication"),
    fields<T.Replication>({ resyncPeriod: "optional", resources: "required" }),
  ],
  [
    "ReplicatedResource",
    RES,
    fields<T.ReplicatedResource>({
      group: "optional",
      version: "required",
      resource: "required",
      transformation: "optional",
      filters: "optional",
      recoveryProcess: "optional",
    }),
  ],
  [
    "ReplicatedResource.transformation",
    at(RES, "transformation"),
    fields<NonNullable<T.ReplicatedResource["transformation"]>>({ patch: "optional" }),
  ],
  [
    "ResourceFilters",
    at(RES, "filters"),
    fields<T.ResourceFilters>({
      namespaceSelector: "optional",
      selector: "optional",
      nameSelector: "optional",
    }),
  ],
  [
    "NameSelector",
    at(RES, "filters.nameSelector"),
    fields<T.NameSelector>({ regex: "optional", excludeRegex: "optional" }),
  ],
  [
    "LabelSelector (namespaceSelector)",
    SEL,
    fields<T.LabelSelector>({ matchLabels: "optional", matchExpressions: "optional" }),
  ],
  [
    "LabelSelector (selector)",
    at(RES, "filters.selector"),
    fields<T.LabelSelector>({ matchLabels: "optional", matchExpressions: "optional" }),
  ],
  [
    "LabelSelectorRequirement (namespaceSelector)",
    at(SEL, "matchExpressions[]"),
    fields<T.LabelSelectorRequirement>({
      key: "required",
      operator: "required",
      values: "optional",
    }),
  ],
  [
    "LabelSelectorRequirement (selector)",
    at(RES, "filters.selector.matchExpressions[]"),
    fields<T.LabelSelectorRequirement>({
      key: "required",
      operator: "required",
      values: "optional",
    }),
  ],
  [
    "ReplicatedResource.recoveryProcess",
    at(RES, "recoveryProcess"),
    fields<NonNullable<T.ReplicatedResource["recoveryProcess"]>>({
      fromPatch: "optional",
      fromOriginal: "optional",
    }),
  ],
  [
    "EnabledFlag (fromOriginal)",
    at(RES, "recoveryProcess.fromOriginal"),
    fields<T.EnabledFlag>({ enabled: "optional" }),
  ],
  [
    "PatchOperation (transformation)",
    at(RES, "transformation.patch[]"),
    fields<T.PatchOperation>({
      op: "required",
      path: "required",
      value: "optional",
      from: "optional",
    }),
  ],
  [
    "PatchOperation (fromPatch)",
    at(RES, "recoveryProcess.fromPatch[]"),
    fields<T.PatchOperation>({
      op: "required",
      path: "required",
      value: "optional",
      from: "optional",
    }),
  ],
  [
    "LiveSynchronizationStatus",
    KINDS.LiveSynchronization.statusSchema,
    fields<T.LiveSynchronizationStatus>({
      observedGeneration: "optional",
      conditions: "optional",
      synced: "optional",
      outOfSync: "optional",
      failed: "optional",
      lastSyncTime: "optional",
    }),
  ],
  [
    "Condition",
    CONDITION,
    fields<T.Condition>({
      type: "required",
      status: "required",
      reason: "required",
      message: "required",
      lastTransitionTime: "required",
      observedGeneration: "optional",
    }),
  ],
  [
    "KubernetesClusterSpec",
    KINDS.KubernetesCluster.specSchema,
    fields<T.KubernetesClusterSpec>({ secretName: "required", secretKey: "optional" }),
  ],
  [
    "AssetStatus (KubernetesCluster)",
    KINDS.KubernetesCluster.statusSchema,
    fields<T.AssetStatus>({ observedGeneration: "optional", conditions: "optional" }),
  ],
  [
    "BucketSpec",
    KINDS.Bucket.specSchema,
    fields<T.BucketSpec>({ generic: "required", secretName: "required" }),
  ],
  [
    "GenericBucket",
    at(KINDS.Bucket.specSchema, "generic"),
    fields<T.GenericBucket>({
      endpoint: "required",
      name: "required",
      useSSL: "optional",
      region: "optional",
      forcePathStyle: "optional",
    }),
  ],
  [
    "AssetStatus (Bucket)",
    KINDS.Bucket.statusSchema,
    fields<T.AssetStatus>({ observedGeneration: "optional", conditions: "optional" }),
  ],
  ["TaskSpec", TASK, fields<T.TaskSpec>({ plugin: "required", config: "required" })],
  ["TaskSpec.config", at(TASK, "config"), fields<T.TaskSpec["config"]>({ resources: "required" })],
  [
    "TaskResource",
    at(TASK, "config.resources[]"),
    fields<T.TaskResource>({ identifier: "required", patch: "optional", fromOriginal: "optional" }),
  ],
  [
    "TaskResourceIdentifier",
    at(TASK, "config.resources[].identifier"),
    fields<T.TaskResourceIdentifier>({
      group: "required",
      version: "required",
      resources: "required",
    }),
  ],
  [
    "EnabledFlag (Task fromOriginal)",
    at(TASK, "config.resources[].fromOriginal"),
    fields<T.EnabledFlag>({ enabled: "optional" }),
  ],
  [
    "TaskResource.patch",
    at(TASK, "config.resources[].patch"),
    fields<NonNullable<T.TaskResource["patch"]>>({ operations: "required" }),
  ],
  [
    "PatchOperation (Task)",
    at(TASK, "config.resources[].patch.operations[]"),
    fields<T.PatchOperation>({
      op: "required",
      path: "required",
      value: "optional",
      from: "optional",
    }),
  ],
  ["TaskStatus", KINDS.Task.statusSchema, fields<T.TaskStatus>({ conditions: "optional" })],
  [
    "TaskRunSpec",
    KINDS.TaskRun.specSchema,
    fields<T.TaskRunSpec>({
      taskName: "required",
      suspendLiveSynchronization: "optional",
      dryRun: "optional",
    }),
  ],
  [
    "TaskRunStatus",
    RUN,
    fields<T.TaskRunStatus>({
      phase: "optional",
      startTime: "optional",
      completionTime: "optional",
      resources: "optional",
      failures: "optional",
      conditions: "optional",
    }),
  ],
  [
    "TaskRunResourceCount",
    at(RUN, "resources[]"),
    fields<T.TaskRunResourceCount>({
      group: "required",
      version: "required",
      resource: "required",
      total: "required",
      succeeded: "required",
      failed: "required",
    }),
  ],
  [
    "TaskRunFailure",
    at(RUN, "failures[]"),
    fields<T.TaskRunFailure>({
      namespace: "optional",
      name: "required",
      group: "required",
      version: "required",
      resource: "required",
      reason: "required",
    }),
  ],
  ...backupCases,
];

describe("types.ts mirrors schemas.ts", () => {
  it.each(cases)("%s has the same properties and required set", (_, schema, list) => {
    expect(Object.keys(schema.properties ?? {}).sort()).toEqual(Object.keys(list).sort());
    const required = Object.keys(list).filter((k) => list[k] === "required");
    expect([...(schema.required ?? [])].sort()).toEqual(required.sort());
  });

  it("enum unions match the schema enums", () => {
    const enums: [Schema, string[]][] = [
      [
        at(LS, "plugin"),
        members<T.LiveSynchronizationSpec["plugin"]>({ "kubernetes-objects-to-kubernetes": true }),
      ],
      [
        at(TASK, "plugin"),
        members<T.TaskSpec["plugin"]>({ "kubernetes-objects-transformation": true }),
      ],
      [
        at(RES, "transformation.patch[].op"),
        members<T.PatchOperation["op"]>({
          add: true,
          remove: true,
          replace: true,
          move: true,
          copy: true,
          test: true,
        }),
      ],
      [
        at(SEL, "matchExpressions[].operator"),
        members<T.LabelSelectorRequirement["operator"]>({
          In: true,
          NotIn: true,
          Exists: true,
          DoesNotExist: true,
        }),
      ],
      [
        at(CONDITION, "status"),
        members<T.Condition["status"]>({ True: true, False: true, Unknown: true }),
      ],
      [
        at(RUN, "phase"),
        members<NonNullable<T.TaskRunStatus["phase"]>>({
          Pending: true,
          Running: true,
          Succeeded: true,
          Failed: true,
          PartiallySucceeded: true,
        }),
      ],
    ];
    const phases = members<T.BackupPhase>({
      New: true,
      InProgress: true,
      Completed: true,
      PartiallyFailed: true,
      Failed: true,
    });
    enums.push(
      [at(BACKUP.statusSchema, "phase"), phases],
      [at(RESTORE_STATUS, "phase"), [...phases]],
      [
        at(SCHEDULE.statusSchema, "phase"),
        members<NonNullable<T.BackupScheduleStatus["phase"]>>({
          New: true,
          Enabled: true,
          Paused: true,
          FailedValidation: true,
        }),
      ],
      [
        at(RESTORE, "existingResourcePolicy"),
        members<T.ExistingResourcePolicy>({ none: true, update: true, revert: true }),
      ],
      [
        at(RESTORE_STATUS, "failures[].action"),
        members<T.RestoreAction>({
          create: true,
          update: true,
          delete: true,
          unchanged: true,
          skip: true,
          failed: true,
        }),
      ],
    );
    for (const [schema, union] of enums)
      expect([...(schema.enum ?? [])].sort()).toEqual(union.sort());
  });

  it("the field lists cover every object node of every schema", () => {
    // Any object schema with properties that no case above looked at would be an unchecked type.
    const checked = new Set(cases.map(([, s]) => s));
    const unchecked: string[] = [];
    const walk = (s: Schema, path: string) => {
      if (s.properties && !checked.has(s)) unchecked.push(path);
      for (const [k, p] of Object.entries(s.properties ?? {})) walk(p, `${path}.${k}`);
      if (s.items) walk(s.items, `${path}[]`);
    };
    for (const [name, k] of Object.entries(KINDS)) {
      walk(k.specSchema, `${name}.spec`);
      walk(k.statusSchema, `${name}.status`);
    }
    expect(unchecked).toEqual([]);
  });
});
