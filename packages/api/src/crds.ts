// CustomResourceDefinitions for every kind, built from KINDS (schemas.ts): the one source of
// truth. deploy/crds/*.yaml and the Helm chart's deploy/helm/livesync/crds/*.yaml are this
// module's output, written by scripts/generate-crds.ts and checked by crds.test.ts, so a schema
// change that was not regenerated fails the unit tests.

import { stringify } from "yaml";
import { KIND_NAMES, KINDS, type KindName, type Schema } from "./schemas.js";

/** The command that regenerates deploy/crds and the chart's crds/ (from the repository root). */
export const GENERATE_CRDS_COMMAND = "pnpm exec tsx packages/api/scripts/generate-crds.ts";

/** Annotation on every generated CRD naming the command that produced it. */
export const GENERATED_BY_ANNOTATION = "livesync.dev/generated-by";

/** `kubectl get livesync` lists every livesync resource. */
export const CRD_CATEGORY = "livesync";

export interface PrinterColumn {
  name: string;
  type: "string" | "integer" | "number" | "boolean" | "date";
  jsonPath: string;
  description: string;
  priority?: number;
}

const READY: PrinterColumn = {
  name: "READY",
  type: "string",
  jsonPath: '.status.conditions[?(@.type=="Ready")].status',
  description: "Status of the Ready condition.",
};
const AGE: PrinterColumn = {
  name: "AGE",
  type: "date",
  jsonPath: ".metadata.creationTimestamp",
  description: "Time since creation.",
};

const column = (
  name: string,
  type: PrinterColumn["type"],
  jsonPath: string,
  description: string,
): PrinterColumn => ({ name, type, jsonPath, description });
const PHASE = column("PHASE", "string", ".status.phase", "Lifecycle phase.");

/** The columns of `kubectl get <kind>`, in display order. */
export const PRINTER_COLUMNS: Record<KindName, PrinterColumn[]> = {
  LiveSynchronization: [
    {
      name: "SOURCE",
      type: "string",
      jsonPath: ".spec.config.sourceName",
      description: "KubernetesCluster replicated from.",
    },
    {
      name: "DESTINATION",
      type: "string",
      jsonPath: ".spec.config.destinationName",
      description: "KubernetesCluster replicated into.",
    },
    {
      name: "SUSPENDED",
      type: "boolean",
      jsonPath: ".spec.suspend",
      description: "Whether replication is suspended.",
    },
    {
      name: "SYNCED",
      type: "integer",
      jsonPath: ".status.synced",
      description: "Objects whose copy is up to date.",
    },
    {
      name: "OUT-OF-SYNC",
      type: "integer",
      jsonPath: ".status.outOfSync",
      description: "Objects whose copy is missing or stale.",
    },
    READY,
    AGE,
  ],
  KubernetesCluster: [
    {
      name: "SECRET",
      type: "string",
      jsonPath: ".spec.secretName",
      description: "Secret holding the kubeconfig.",
    },
    READY,
    AGE,
  ],
  Bucket: [
    {
      name: "ENDPOINT",
      type: "string",
      jsonPath: ".spec.generic.endpoint",
      description: "S3 API endpoint.",
    },
    {
      name: "BUCKET",
      type: "string",
      jsonPath: ".spec.generic.name",
      description: "Bucket name.",
    },
    READY,
    AGE,
  ],
  Task: [
    { name: "PLUGIN", type: "string", jsonPath: ".spec.plugin", description: "Task plugin." },
    AGE,
  ],
  TaskRun: [
    { name: "TASK", type: "string", jsonPath: ".spec.taskName", description: "Task run." },
    { name: "PHASE", type: "string", jsonPath: ".status.phase", description: "Lifecycle phase." },
    {
      name: "STARTED",
      type: "date",
      jsonPath: ".status.startTime",
      description: "When the run started.",
    },
    {
      name: "COMPLETED",
      type: "date",
      jsonPath: ".status.completionTime",
      description: "When the run finished.",
    },
    AGE,
  ],
  // Future times (expiration, next run) are strings: kubectl shows a future "date" as <invalid>.
  Backup: [
    column("SOURCE", "string", ".spec.sourceName", "KubernetesCluster backed up."),
    PHASE,
    column("ITEMS", "integer", ".status.itemsBackedUp", "Objects stored in the backup."),
    column("ATOMIC", "boolean", ".status.atomic", "Whether the snapshot is one point in time."),
    column("EXPIRES", "string", ".status.expiration", "When retention deletes the backup."),
    AGE,
  ],
  BackupSchedule: [
    column("SCHEDULE", "string", ".spec.schedule", "Cron expression."),
    column("PAUSED", "boolean", ".spec.paused", "Whether the schedule is paused."),
    column(
      "LAST-SUCCESS",
      "date",
      ".status.lastSuccessfulBackupTime",
      "When the last successful backup completed.",
    ),
    column("NEXT-RUN", "string", ".status.nextRun", "When the next backup is due."),
    AGE,
  ],
  Restore: [
    column("BACKUP", "string", ".spec.backupName", "Backup restored (when named)."),
    column("DESTINATION", "string", ".spec.destinationName", "KubernetesCluster restored into."),
    column("POLICY", "string", ".spec.existingResourcePolicy", "Existing resource policy."),
    PHASE,
    AGE,
  ],
};

const DESCRIPTIONS: Record<KindName, string> = {
  LiveSynchronization:
    "LiveSynchronization replicates selected objects from a source cluster into a destination cluster.",
  Task: "Task describes a recovery step applied to the copies in the destination cluster.",
  TaskRun: "TaskRun runs a Task once and reports what it recovered.",
  KubernetesCluster: "KubernetesCluster names a cluster through a Secret holding its kubeconfig.",
  Bucket: "Bucket is S3-compatible object storage where the archiver keeps the originals.",
  Backup:
    "Backup is a point-in-time, atomic snapshot of a cluster's objects, stored as a verified tarball in a Bucket.",
  BackupSchedule:
    "BackupSchedule creates Backups on a cron schedule and keeps the newest maxBackups of them.",
  Restore:
    "Restore puts the objects of a backup into a cluster once: ordered, with a policy for existing objects, audited.",
};

// Keys of a schema node in the order they are written: what a node is first, then its
// constraints, then its children. Anything else (none today) follows in its own order.
const SCHEMA_KEY_ORDER = [
  "description",
  "type",
  "format",
  "nullable",
  "default",
  "enum",
  "pattern",
  "minLength",
  "minimum",
  "minItems",
  "required",
  "x-kubernetes-preserve-unknown-fields",
  "x-kubernetes-list-type",
  "x-kubernetes-list-map-keys",
  "properties",
  "additionalProperties",
  "items",
];

/**
 * A schema as the apiserver gets it: a deep copy with a fixed key order (stable output however
 * schemas.ts builds its nodes). Property order is kept: it is the order `kubectl explain` and
 * readers see. schemas.ts already follows the structural-schema rules (see its header and
 * crds.test.ts), so nothing else needs transforming.
 */
export function crdSchema(schema: Schema): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const keys = Object.keys(schema) as (keyof Schema)[];
  const rank = (k: string) => {
    const i = SCHEMA_KEY_ORDER.indexOf(k);
    return i < 0 ? SCHEMA_KEY_ORDER.length : i;
  };
  for (const key of [...keys].sort((a, b) => rank(a) - rank(b))) {
    const value = schema[key];
    if (value === undefined) continue;
    if (key === "properties") {
      const props: Record<string, unknown> = {};
      for (const [name, child] of Object.entries(value as Record<string, Schema>))
        props[name] = crdSchema(child);
      out[key] = props;
    } else if (key === "items" || key === "additionalProperties") {
      out[key] = crdSchema(value as Schema);
    } else {
      out[key] = structuredClone(value);
    }
  }
  return out;
}

/** `<plural>.<group>`, the CRD's name. */
export const crdName = (kind: KindName): string => `${KINDS[kind].plural}.${KINDS[kind].group}`;

/** The apiextensions.k8s.io/v1 CustomResourceDefinition of one kind. */
export function crdFor(kind: KindName): Record<string, unknown> {
  const info = KINDS[kind];
  return {
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: {
      name: crdName(kind),
      annotations: { [GENERATED_BY_ANNOTATION]: GENERATE_CRDS_COMMAND },
      labels: { "app.kubernetes.io/part-of": "livesync" },
    },
    spec: {
      group: info.group,
      names: {
        kind: info.kind,
        listKind: `${info.kind}List`,
        plural: info.plural,
        singular: info.singular,
        shortNames: [...info.shortNames],
        categories: [CRD_CATEGORY],
      },
      scope: info.namespaced ? "Namespaced" : "Cluster",
      versions: [
        {
          name: info.version,
          served: true,
          storage: true,
          subresources: { status: {} },
          additionalPrinterColumns: PRINTER_COLUMNS[kind].map((c) => ({ ...c })),
          schema: {
            openAPIV3Schema: {
              description: DESCRIPTIONS[kind],
              type: "object",
              required: ["spec"],
              properties: {
                apiVersion: {
                  description: "Versioned schema of this representation of an object.",
                  type: "string",
                },
                kind: { description: "REST resource this object represents.", type: "string" },
                metadata: { type: "object" },
                spec: crdSchema(info.specSchema),
                status: crdSchema(info.statusSchema),
              },
            },
          },
        },
      ],
    },
  };
}

/** deploy/crds file name of a kind's CRD. */
export const crdFileName = (kind: KindName): string => `${crdName(kind)}.yaml`;

const header = (what: string) =>
  [
    `# ${what}`,
    `# GENERATED from packages/api/src/schemas.ts: do not edit. Regenerate with`,
    `#   ${GENERATE_CRDS_COMMAND}`,
    "",
  ].join("\n");

const toYaml = (doc: unknown): string =>
  // lineWidth 0: never fold long strings (descriptions, patterns), so output is stable.
  stringify(doc, { lineWidth: 0, minContentWidth: 0, aliasDuplicateObjects: false });

/** The YAML file of a kind's CRD, header comment included. */
export const crdYaml = (kind: KindName): string =>
  header(`CustomResourceDefinition ${crdName(kind)}.`) + toYaml(crdFor(kind));

/** Every file of deploy/crds, by file name: one per kind and kustomization.yaml. */
export function generatedCrdFiles(): Record<string, string> {
  const kinds = [...KIND_NAMES].sort((a, b) => crdFileName(a).localeCompare(crdFileName(b)));
  const files: Record<string, string> = {};
  for (const kind of kinds) files[crdFileName(kind)] = crdYaml(kind);
  files["kustomization.yaml"] =
    header("The livesync CustomResourceDefinitions: kubectl apply -k deploy/crds") +
    toYaml({
      apiVersion: "kustomize.config.k8s.io/v1beta1",
      kind: "Kustomization",
      resources: kinds.map(crdFileName),
    });
  return files;
}

/**
 * The Helm chart's crds/ (deploy/helm/livesync/crds): the same CRD files without
 * kustomization.yaml, which Helm would try to install like every other YAML file there.
 */
export const chartCrdFiles = (): Record<string, string> =>
  Object.fromEntries(
    Object.entries(generatedCrdFiles()).filter(([name]) => name !== "kustomization.yaml"),
  );

/** True for a file the generator wrote (so it may remove it when it is no longer generated). */
export const isGeneratedFile = (text: string): boolean =>
  text.includes(`#   ${GENERATE_CRDS_COMMAND}\n`);
