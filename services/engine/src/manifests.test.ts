import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadManifests } from "./manifests.js";

const ls = (name: string, exclude: string) => `apiVersion: automation.livesync.dev/v1alpha1
kind: LiveSynchronization
metadata: { name: ${name}, namespace: dr }
spec:
  plugin: kubernetes-objects-to-kubernetes
  config:
    sourceName: source
    destinationName: destination
    replication:
      resources:
        - version: v1
          resource: configmaps
          filters: { nameSelector: { excludeRegex: ["${exclude}"] } }
`;
const cluster = (name: string) => `apiVersion: assets.livesync.dev/v1alpha1
kind: KubernetesCluster
metadata: { name: ${name}, namespace: dr }
spec: { secretName: ${name} }
---
apiVersion: v1
kind: Secret
metadata: { name: ${name}, namespace: dr }
stringData: { kubeconfig.yaml: "apiVersion: v1" }
`;

describe("loadManifests", () => {
  it("keeps the valid LiveSynchronizations and reports the invalid one with file, index and path", () => {
    const dir = mkdtempSync(join(tmpdir(), "manifests-"));
    writeFileSync(join(dir, "clusters.yaml"), `${cluster("source")}---\n${cluster("destination")}`);
    writeFileSync(join(dir, "good.yaml"), ls("good", ".*\\\\.test"));
    writeFileSync(join(dir, "bad.yaml"), ls("bad", "*.test"));
    const { manifests, problems } = loadManifests([dir]);
    expect(manifests.liveSyncs.map((l) => l.metadata.name)).toEqual(["good"]);
    expect(manifests.clusters).toHaveLength(2);
    expect(problems).toEqual([
      {
        where: `${join(dir, "bad.yaml")}#0 LiveSynchronization/bad`,
        message:
          'spec.config.replication.resources[0].filters.nameSelector.excludeRegex[0]: "*.test" is not a valid regular expression: nothing to repeat',
      },
    ]);
  });
});
