// Fixtures shared by the sanitize tests (sanitize.test.ts and the kind families' tests beside
// this module). Not itself a test file: the unit project only collects *.test.ts.

import { expect } from "vitest";
import { sanitize } from "../sanitize.js";
import type { Gvr, KubeObject } from "../types.js";

export const core = (resource: string): Gvr => ({ group: "", version: "v1", resource });
export const GVR = {
  cm: core("configmaps"),
  svc: core("services"),
  pvc: core("persistentvolumeclaims"),
  pv: core("persistentvolumes"),
  pod: core("pods"),
  sa: core("serviceaccounts"),
  secret: core("secrets"),
  ep: core("endpoints"),
  ns: core("namespaces"),
  job: { group: "batch", version: "v1", resource: "jobs" },
  deploy: { group: "apps", version: "v1", resource: "deployments" },
};

/** Server-populated metadata every live object carries. */
export const serverMeta = {
  uid: "0b0c6c4e-1111-4e4e-8a8a-000000000001",
  resourceVersion: "12345",
  generation: 3,
  creationTimestamp: "2024-01-01T00:00:00Z",
  managedFields: [{ manager: "kubectl", operation: "Apply", fieldsV1: {} }],
  selfLink: "/api/v1/namespaces/app/configmaps/x",
  finalizers: ["example.com/cleanup"],
  generateName: "x-",
  deletionGracePeriodSeconds: 30,
};

export function expectObject(input: KubeObject, gvr: Gvr, want: KubeObject): void {
  const frozen = structuredClone(input);
  const out = sanitize(input, gvr);
  expect(out).toEqual({ object: want });
  expect(input).toEqual(frozen); // never mutates the input
}

export function expectSkip(input: KubeObject, gvr: Gvr, reason: RegExp): void {
  const out = sanitize(input, gvr);
  expect("skip" in out ? out.skip : out).toMatch(reason);
}

/** Metadata with `name`, `namespace` when given, and any `extra` fields. */
export const m = (name: string, namespace?: string, extra: Record<string, unknown> = {}) => ({
  name,
  ...(namespace ? { namespace } : {}),
  ...extra,
});
