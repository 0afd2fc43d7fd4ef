import { describe, expect, it } from "vitest";
import { NEVER_RESTORED, neverRestoredReason } from "./never-restored.js";

describe("neverRestoredReason", () => {
  it("names the cluster's own state, in both event groups", () => {
    for (const r of ["events", "nodes", "endpoints", "componentstatuses"]) {
      expect(neverRestoredReason({ group: "", resource: r })).toBeDefined();
    }
    expect(neverRestoredReason({ group: "events.k8s.io", resource: "events" })).toBeDefined();
    expect(neverRestoredReason({ resource: "events" })).toBeDefined();
    expect(
      neverRestoredReason({ group: "discovery.k8s.io", resource: "endpointslices" }),
    ).toBeDefined();
    expect(neverRestoredReason({ group: "coordination.k8s.io", resource: "leases" })).toBeDefined();
  });

  it("covers every resource of a whole-group entry", () => {
    expect(
      neverRestoredReason({ group: "authorization.k8s.io", resource: "subjectaccessreviews" }),
    ).toBeDefined();
    expect(neverRestoredReason({ group: "metrics.k8s.io", resource: "pods" })).toBeDefined();
  });

  it("lets configuration through", () => {
    for (const r of ["configmaps", "secrets", "services", "namespaces", "pods"]) {
      expect(neverRestoredReason({ group: "", resource: r })).toBeUndefined();
    }
    expect(neverRestoredReason({ group: "apps", resource: "deployments" })).toBeUndefined();
    // Same resource name in another group is another resource.
    expect(neverRestoredReason({ group: "example.com", resource: "events" })).toBeUndefined();
  });

  it("gives a reason for every entry", () => {
    for (const n of NEVER_RESTORED) expect(n.reason.length).toBeGreaterThan(10);
  });
});
