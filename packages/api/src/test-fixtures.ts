// Fixtures shared by the validation tests (validate.test.ts and semantic.test.ts).

import { validateObject, type ValidationError } from "./validate.js";

export const R0 = "spec.config.replication.resources[0]";

type Loose = Record<string, unknown>;
/** Loosely typed on purpose: tests write invalid values into it. */
export interface Doc {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string };
  spec: Loose & { config: Loose & { replication: Loose & { resources: Loose[] } } };
}

/** A fresh, valid LiveSynchronization to break in one place per test. */
export function liveSync(): Doc {
  return {
    apiVersion: "automation.livesync.dev/v1alpha1",
    kind: "LiveSynchronization",
    metadata: { name: "apps", namespace: "dr" },
    spec: {
      plugin: "kubernetes-objects-to-kubernetes",
      config: {
        sourceName: "source",
        destinationName: "destination",
        replication: {
          resources: [
            {
              group: "apps",
              version: "v1",
              resource: "deployments",
              transformation: { patch: [{ op: "replace", path: "/spec/replicas", value: 0 }] },
              filters: {},
            },
          ],
        },
      },
    },
  };
}
export const resources = (d: Doc) => d.spec.config.replication.resources;

export function errorsOf(doc: unknown): ValidationError[] {
  const r = validateObject(doc);
  return r.ok ? [] : r.errors;
}

export function withFirst(patch: Record<string, unknown>): Doc {
  const d = liveSync();
  Object.assign(resources(d)[0]!, patch);
  return d;
}
