import { existsSync, readFileSync, readdirSync } from "node:fs";
import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import {
  CRD_CATEGORY,
  GENERATE_CRDS_COMMAND,
  GENERATED_BY_ANNOTATION,
  PRINTER_COLUMNS,
  chartCrdFiles,
  crdFileName,
  crdFor,
  generatedCrdFiles,
} from "./crds.js";
import { KIND_NAMES, KINDS, type KindName, type Schema } from "./schemas.js";
import { checkSchema, type ValidationError } from "./structural.js";

// Where the generator writes: deploy/crds (kubectl apply -k) and the Helm chart's crds/.
const LOCATIONS = [
  { dir: "deploy/crds", files: generatedCrdFiles },
  { dir: "deploy/helm/livesync/crds", files: chartCrdFiles },
];
const stale = (dir: string) =>
  `${dir} is out of date: run \`${GENERATE_CRDS_COMMAND}\` from the repository root and commit the result`;

// The parts of a generated CRD the tests look at.
interface Column {
  name: string;
  type: string;
  jsonPath: string;
}
interface Crd {
  apiVersion: string;
  kind: string;
  metadata: { name: string; annotations: Record<string, string> };
  spec: {
    group: string;
    scope: string;
    names: Record<string, unknown>;
    versions: {
      name: string;
      served: boolean;
      storage: boolean;
      subresources: unknown;
      additionalPrinterColumns: Column[];
      schema: { openAPIV3Schema: Schema };
    }[];
  };
}
const crd = (kind: KindName) => crdFor(kind) as unknown as Crd;
const version = (kind: KindName) => crd(kind).spec.versions[0]!;
const rootSchema = (kind: KindName) => version(kind).schema.openAPIV3Schema;

describe.each(LOCATIONS)("$dir", ({ dir, files }) => {
  const url = new URL(`../../../${dir}/`, import.meta.url);
  const generated = files();

  it("holds exactly the generated files", () => {
    const committed = existsSync(url) ? readdirSync(url).filter((f) => /\.ya?ml$/.test(f)) : [];
    expect(committed.sort(), stale(dir)).toEqual(Object.keys(generated).sort());
  });

  it.each(Object.keys(generated))("%s is what the generator produces now", (name) => {
    const path = new URL(name, url);
    const committed = existsSync(path) ? readFileSync(path, "utf8") : "(missing)";
    expect(committed, stale(dir)).toBe(generated[name]);
  });
});

describe("generatedCrdFiles", () => {
  const generated = generatedCrdFiles();

  it("the chart's crds/ are deploy/crds's CRDs, without kustomization.yaml", () => {
    const { "kustomization.yaml": kustomization, ...crds } = generated;
    expect(kustomization).toBeDefined();
    expect(chartCrdFiles()).toEqual(crds);
  });

  it("generates one CRD per kind and a kustomization listing them", () => {
    const files = KIND_NAMES.map(crdFileName).sort();
    expect(Object.keys(generated).sort()).toEqual([...files, "kustomization.yaml"].sort());
    expect(parse(generated["kustomization.yaml"]!)).toEqual({
      apiVersion: "kustomize.config.k8s.io/v1beta1",
      kind: "Kustomization",
      resources: files,
    });
  });

  it.each(KIND_NAMES)("%s: the YAML is crdFor() and says how to regenerate it", (kind) => {
    const text = generated[crdFileName(kind)]!;
    expect(text.split("\n").slice(0, 3).join("\n")).toContain(GENERATE_CRDS_COMMAND);
    expect(parse(text)).toEqual(crdFor(kind));
    expect(text).not.toMatch(/[&*]a\d/); // no YAML anchors/aliases for shared objects
  });
});

describe("crdFor", () => {
  it.each(KIND_NAMES)("%s: names, scope, version and status subresource", (kind) => {
    const info = KINDS[kind];
    const c = crd(kind);
    expect(c.apiVersion).toBe("apiextensions.k8s.io/v1");
    expect(c.kind).toBe("CustomResourceDefinition");
    expect(c.metadata.name).toBe(`${info.plural}.${info.group}`);
    expect(c.metadata.annotations[GENERATED_BY_ANNOTATION]).toBe(GENERATE_CRDS_COMMAND);
    expect(c.spec.group).toBe(info.group);
    expect(c.spec.scope).toBe("Namespaced");
    expect(c.spec.names).toEqual({
      kind,
      listKind: `${kind}List`,
      plural: info.plural,
      singular: info.singular,
      shortNames: info.shortNames,
      categories: [CRD_CATEGORY],
    });
    expect(c.spec.versions).toHaveLength(1);
    expect(version(kind)).toMatchObject({
      name: "v1alpha1",
      served: true,
      storage: true,
      subresources: { status: {} },
    });
  });

  it("names every CRD as the apiserver requires: <plural>.<group>", () => {
    expect(KIND_NAMES.map((k) => crd(k).metadata.name).sort()).toEqual([
      "backups.backup.livesync.dev",
      "backupschedules.backup.livesync.dev",
      "buckets.assets.livesync.dev",
      "kubernetesclusters.assets.livesync.dev",
      "livesynchronizations.automation.livesync.dev",
      "restores.backup.livesync.dev",
      "taskruns.automation.livesync.dev",
      "tasks.automation.livesync.dev",
    ]);
  });

  it.each(KIND_NAMES)("%s: the schema is schemas.ts's, unchanged", (kind) => {
    const root = rootSchema(kind);
    expect(root.type).toBe("object");
    expect(root.required).toEqual(["spec"]);
    expect(Object.keys(root.properties!)).toEqual([
      "apiVersion",
      "kind",
      "metadata",
      "spec",
      "status",
    ]);
    expect(root.properties!.metadata).toEqual({ type: "object" });
    expect(root.properties!.spec).toEqual(KINDS[kind].specSchema);
    expect(root.properties!.status).toEqual(KINDS[kind].statusSchema);
  });

  it("returns a fresh copy: editing it touches neither KINDS nor the next CRD", () => {
    const spec = () => rootSchema("LiveSynchronization").properties!.spec!;
    const edited = crd("LiveSynchronization").spec.versions[0]!.schema.openAPIV3Schema;
    edited.properties!.spec!.type = "string";
    edited.properties!.spec!.required!.push("extra");
    expect(KINDS.LiveSynchronization.specSchema.type).toBe("object");
    expect(KINDS.LiveSynchronization.specSchema.required).toEqual(["plugin", "config"]);
    expect(spec().type).toBe("object");
  });

  it.each(KIND_NAMES)("%s: the schema is structural", (kind) => {
    expect(structuralProblems(rootSchema(kind), "")).toEqual([]);
  });
});

describe("printer columns", () => {
  const EXPECTED: Record<KindName, [string, string, string][]> = {
    LiveSynchronization: [
      ["SOURCE", "string", ".spec.config.sourceName"],
      ["DESTINATION", "string", ".spec.config.destinationName"],
      ["SUSPENDED", "boolean", ".spec.suspend"],
      ["SYNCED", "integer", ".status.synced"],
      ["OUT-OF-SYNC", "integer", ".status.outOfSync"],
      ["READY", "string", '.status.conditions[?(@.type=="Ready")].status'],
      ["AGE", "date", ".metadata.creationTimestamp"],
    ],
    KubernetesCluster: [
      ["SECRET", "string", ".spec.secretName"],
      ["READY", "string", '.status.conditions[?(@.type=="Ready")].status'],
      ["AGE", "date", ".metadata.creationTimestamp"],
    ],
    Bucket: [
      ["ENDPOINT", "string", ".spec.generic.endpoint"],
      ["BUCKET", "string", ".spec.generic.name"],
      ["READY", "string", '.status.conditions[?(@.type=="Ready")].status'],
      ["AGE", "date", ".metadata.creationTimestamp"],
    ],
    Task: [
      ["PLUGIN", "string", ".spec.plugin"],
      ["AGE", "date", ".metadata.creationTimestamp"],
    ],
    TaskRun: [
      ["TASK", "string", ".spec.taskName"],
      ["PHASE", "string", ".status.phase"],
      ["STARTED", "date", ".status.startTime"],
      ["COMPLETED", "date", ".status.completionTime"],
      ["AGE", "date", ".metadata.creationTimestamp"],
    ],
    Backup: [
      ["SOURCE", "string", ".spec.sourceName"],
      ["PHASE", "string", ".status.phase"],
      ["ITEMS", "integer", ".status.itemsBackedUp"],
      ["ATOMIC", "boolean", ".status.atomic"],
      ["EXPIRES", "string", ".status.expiration"],
      ["AGE", "date", ".metadata.creationTimestamp"],
    ],
    BackupSchedule: [
      ["SCHEDULE", "string", ".spec.schedule"],
      ["PAUSED", "boolean", ".spec.paused"],
      ["LAST-SUCCESS", "date", ".status.lastSuccessfulBackupTime"],
      ["NEXT-RUN", "string", ".status.nextRun"],
      ["AGE", "date", ".metadata.creationTimestamp"],
    ],
    Restore: [
      ["BACKUP", "string", ".spec.backupName"],
      ["DESTINATION", "string", ".spec.destinationName"],
      ["POLICY", "string", ".spec.existingResourcePolicy"],
      ["PHASE", "string", ".status.phase"],
      ["AGE", "date", ".metadata.creationTimestamp"],
    ],
  };

  it.each(KIND_NAMES)("%s: the documented columns, in order", (kind) => {
    expect(version(kind).additionalPrinterColumns.map((c) => [c.name, c.type, c.jsonPath])).toEqual(
      EXPECTED[kind],
    );
    expect(version(kind).additionalPrinterColumns).toEqual(PRINTER_COLUMNS[kind]);
  });

  it.each(KIND_NAMES)("%s: every column points at a schema field of its type", (kind) => {
    for (const column of PRINTER_COLUMNS[kind]) {
      if (column.jsonPath.startsWith(".metadata.")) continue; // ObjectMeta, not in our schema
      const node = schemaAt(rootSchema(kind), column.jsonPath);
      expect(node, `${column.name}: ${column.jsonPath} is not in the schema`).toBeDefined();
      const expected =
        column.type === "date" ? { type: "string", format: "date-time" } : { type: column.type };
      expect(node, `${column.name}: ${column.jsonPath}`).toMatchObject(expected);
    }
  });
});

/**
 * The schema node a printer-column JSONPath reads: `.a.b` walks properties, `.list[?(…)].x`
 * walks into the list's items.
 */
function schemaAt(root: Schema, jsonPath: string): Schema | undefined {
  let node: Schema | undefined = root;
  for (const step of jsonPath.slice(1).split(/\.(?![^[]*\])/)) {
    const [, name, filter] = /^([^[]+)(\[.*\])?$/.exec(step) ?? [];
    node = name ? node?.properties?.[name] : undefined;
    if (filter) node = node?.items;
  }
  return node;
}

/**
 * Why the apiserver would call a schema non-structural or refuse it (the rules of
 * https://kubernetes.io/docs/tasks/extend-kubernetes/custom-resources/custom-resource-definitions/#specifying-a-structural-schema
 * that schemas.ts could break), with the path of each offending node.
 */
function structuralProblems(node: Schema, path: string): string[] {
  const at = path || "<root>";
  const problems: string[] = [];
  const preserve = node["x-kubernetes-preserve-unknown-fields"] === true;
  if (!node.type && !preserve) problems.push(`${at}: no type`);
  if (node.properties && node.additionalProperties)
    problems.push(`${at}: both properties and additionalProperties`);
  if ((node.additionalProperties as unknown) === false)
    problems.push(`${at}: additionalProperties: false is forbidden`);
  if (node.type === "array" && !node.items) problems.push(`${at}: array without items`);
  if (node.items && node.type !== "array") problems.push(`${at}: items on a non-array`);
  if (node.properties && node.type !== "object") problems.push(`${at}: properties on a non-object`);
  for (const r of node.required ?? [])
    if (!node.properties?.[r]) problems.push(`${at}: required "${r}" is not a property`);
  if (node["x-kubernetes-list-type"] === "map") {
    for (const key of node["x-kubernetes-list-map-keys"] ?? []) {
      const item = node.items;
      const keyNode = item?.properties?.[key];
      if (!keyNode || !["string", "integer", "boolean"].includes(keyNode.type ?? ""))
        problems.push(`${at}: list-map key "${key}" is not a scalar property`);
      if (!item?.required?.includes(key) && keyNode?.default === undefined)
        problems.push(`${at}: list-map key "${key}" is neither required nor defaulted`);
    }
  }
  if (node.default !== undefined) {
    // The apiserver validates defaults against their own schema.
    const errors: ValidationError[] = [];
    checkSchema(node.default, node, `${at}.default`, errors);
    problems.push(...errors.map((e) => `${e.path}: ${e.message}`));
  }
  if (node.pattern !== undefined) {
    try {
      new RegExp(node.pattern, "u");
    } catch (e) {
      problems.push(`${at}: pattern ${node.pattern}: ${(e as Error).message}`);
    }
  }
  for (const [name, child] of Object.entries(node.properties ?? {}))
    problems.push(...structuralProblems(child, path ? `${path}.${name}` : name));
  if (node.items) problems.push(...structuralProblems(node.items, `${path}[]`));
  if (node.additionalProperties)
    problems.push(...structuralProblems(node.additionalProperties, `${path}{}`));
  return problems;
}
