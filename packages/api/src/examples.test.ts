// Every example of the upstream documentation (docs/upstream-examples.md) with only the
// apiVersion changed: all valid except the excludeRegex "*.test" one, which the documentation
// gets wrong.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseManifests, validateManifestSet } from "./manifests.js";
import type { Bucket, KubernetesCluster, LiveSynchronization, TaskRun } from "./types.js";
import { resyncPeriodMs, validateObject } from "./validate.js";

const read = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), "utf8");
const load = (name: string) => parseManifests(read(name), name);

const VALID = [
  "example-livesync-sample.yaml",
  "example-filter-name-regex.yaml",
  "example-filter-selector.yaml",
  "example-transformation.yaml",
  "example-recovery-process.yaml",
  "example-bucket-gcp.yaml",
  "example-bucket-s3.yaml",
  "example-resync.yaml",
  "example-task.yaml",
  "example-backup.yaml",
];

/** The livesync objects of a fixture, validated one by one. */
const validated = (name: string) =>
  load(name)
    .filter((d) => String((d.doc as { apiVersion?: string }).apiVersion).includes("livesync.dev"))
    .map((d) => validateObject(d.doc));

describe("the upstream documentation's examples", () => {
  it.each(VALID)("%s parses and every livesync object in it validates", (name) => {
    const docs = load(name);
    expect(docs.filter((d) => d.error)).toEqual([]);
    const results = validated(name);
    expect(results.length).toBeGreaterThan(0);
    for (const r of results) expect(r).toMatchObject({ ok: true });
  });

  it.each(VALID)("%s with the documented clusters is a consistent manifest set", (name) => {
    const { problems } = validateManifestSet([...load("example-clusters.yaml"), ...load(name)]);
    expect(problems).toEqual([]);
  });

  it('rejects excludeRegex "*.test" with the exact path and reason', () => {
    expect(validated("example-filter-exclude-regex.yaml")).toEqual([
      {
        ok: false,
        errors: [
          {
            path: "spec.config.replication.resources[0].filters.nameSelector.excludeRegex[0]",
            message: '"*.test" is not a valid regular expression: nothing to repeat',
          },
        ],
      },
    ]);
  });

  it("reports the same single problem for the excludeRegex example as a manifest set", () => {
    const { problems, objects } = validateManifestSet([
      ...load("example-clusters.yaml"),
      ...load("example-filter-exclude-regex.yaml"),
    ]);
    expect(problems).toEqual([
      {
        source: "example-filter-exclude-regex.yaml",
        index: 0,
        kind: "LiveSynchronization",
        name: "livesynchronization-sample",
        namespace: "default",
        path: "spec.config.replication.resources[0].filters.nameSelector.excludeRegex[0]",
        message: '"*.test" is not a valid regular expression: nothing to repeat',
      },
    ]);
    expect(objects.LiveSynchronization).toEqual([]);
    expect(objects.KubernetesCluster.map((c) => c.metadata.name)).toEqual([
      "source",
      "destination",
    ]);
  });

  it("resyncPeriod 3h25m12s is 12,312,000 ms", () => {
    const [result] = validated("example-resync.yaml");
    if (!result?.ok) throw new Error("expected the resync example to validate");
    expect(resyncPeriodMs((result.value as LiveSynchronization).spec)).toBe(12_312_000);
  });

  it("fills the schema defaults into the validated objects", () => {
    const { objects } = validateManifestSet([
      ...load("example-clusters.yaml"),
      ...load("example-bucket-s3.yaml"),
      ...load("example-task.yaml"),
    ]);
    const [ls] = objects.LiveSynchronization.filter((l) => l.metadata.name !== "set-test-label");
    expect(ls?.spec.suspend).toBe(false);
    expect(ls?.spec.config.replication.resources.map((r) => r.group)).toEqual([
      "apps",
      "apps",
      "",
      "",
      "",
    ]);
    const bucket: Bucket | undefined = objects.Bucket[0];
    expect(bucket?.spec.generic).toEqual({
      endpoint: "s3.<bucket-region>.amazonaws.com",
      name: "<bucket-name>",
      useSSL: true,
      region: "us-east-1",
    });
    const cluster: KubernetesCluster | undefined = objects.KubernetesCluster[0];
    expect(cluster?.spec).toEqual({ secretName: "source", secretKey: "kubeconfig.yaml" });
    const run: TaskRun | undefined = objects.TaskRun[0];
    expect(run?.spec).toEqual({
      taskName: "set-test-label",
      suspendLiveSynchronization: true,
      dryRun: false,
    });
    const { objects: backups } = validateManifestSet(load("example-backup.yaml"));
    expect(backups.BackupSchedule[0]?.spec.paused).toBe(false);
    expect(backups.BackupSchedule[0]?.spec.template.encryption?.secretKey).toBe("key");
    expect(backups.Backup[0]?.spec.resources?.map((r) => r.group)).toEqual(["apps", ""]);
    expect(backups.Restore[0]?.spec.existingResourcePolicy).toBe("update");
    expect(objects.Secret.map((s) => s.metadata.name)).toEqual([
      "source",
      "destination",
      "bucket-credentials",
    ]);
  });

  it("the upstream astronetes.io apiVersion is the only thing to change", () => {
    const [doc] = load("example-livesync-sample.yaml");
    const upstream = { ...(doc?.doc as object), apiVersion: "automation.astronetes.io/v1alpha1" };
    expect(validateObject(upstream)).toEqual({
      ok: false,
      errors: [
        {
          path: "apiVersion",
          message:
            '"automation.astronetes.io/v1alpha1" is the upstream product\'s group; use "automation.livesync.dev/v1alpha1"',
        },
      ],
    });
  });
});
