import { describe, expect, it } from "vitest";
import type { KubeObject } from "@livesync/api";
import type { ResourceInfo } from "@livesync/kube";
import { compileScope, planResources, selects, type PlannedResource } from "./scope.js";

const info = (
  group: string,
  resource: string,
  kind: string,
  namespaced: boolean,
  verbs = ["list", "watch"],
): ResourceInfo => ({
  group,
  version: group === "" ? "v1" : "v1",
  resource,
  kind,
  namespaced,
  verbs,
});
const CM = info("", "configmaps", "ConfigMap", true);
const NS = info("", "namespaces", "Namespace", false);
const EVENTS = info("", "events", "Event", true);
const ROLES = info("rbac.authorization.k8s.io", "clusterroles", "ClusterRole", false);
const REVIEWS = info("authorization.k8s.io", "subjectaccessreviews", "SubjectAccessReview", false, [
  "create",
]);
const LIST_ONLY = info("example.com", "reports", "Report", true, ["list"]);
const DISCOVERED = [CM, EVENTS, ROLES, REVIEWS, LIST_ONLY, NS];

const keys = (plan: PlannedResource[]) =>
  plan.map((p) => `${p.key}${p.inResourceSet ? "" : " (lookup)"}`);
const obj = (
  kind: string,
  name: string,
  namespace?: string,
  labels?: Record<string, string>,
): KubeObject => ({
  apiVersion: "v1",
  kind,
  metadata: { name, ...(namespace ? { namespace } : {}), ...(labels ? { labels } : {}) },
});

describe("planResources", () => {
  it("default set: listable and watchable, Namespaces first, never-restored left out silently", () => {
    const { plan, notes } = planResources(compileScope({ sourceName: "s" }), DISCOVERED);
    expect(keys(plan)).toEqual([
      "v1/namespaces",
      "v1/configmaps",
      "rbac.authorization.k8s.io/v1/clusterroles",
    ]);
    expect(notes).toEqual([]);
  });

  it("includedNamespaces: no cluster-scoped resources, Namespaces kept for the included ones", () => {
    const { plan } = planResources(
      compileScope({ sourceName: "s", includedNamespaces: ["a"] }),
      DISCOVERED,
    );
    expect(keys(plan)).toEqual(["v1/namespaces", "v1/configmaps"]);
  });

  it("explicit resources: exactly those; a never-restored one is a note; Namespaces only as a lookup", () => {
    const scope = compileScope({
      sourceName: "s",
      includedNamespaces: ["a"],
      resources: [
        { version: "v1", resource: "configmaps" },
        { version: "v1", resource: "events" },
      ],
    });
    const { plan, notes } = planResources(scope, [CM, EVENTS]);
    expect(keys(plan)).toEqual(["v1/namespaces (lookup)", "v1/configmaps"]);
    expect(notes).toEqual([{ info: EVENTS, message: expect.stringContaining("never backed up") }]);
  });

  it("explicit resources without namespaces to include or label: no Namespace list at all", () => {
    const scope = compileScope({
      sourceName: "s",
      resources: [{ version: "v1", resource: "configmaps" }],
    });
    expect(keys(planResources(scope, [CM]).plan)).toEqual(["v1/configmaps"]);
  });
});

describe("selects", () => {
  const labels = (ns: string) => ({ a: { team: "a" }, b: { team: "b" } })[ns];
  const plan = (scope: ReturnType<typeof compileScope>, infos: ResourceInfo[]) =>
    planResources(scope, infos).plan;

  it("namespaces: included, excluded, and an included Namespace kept whatever the selector", () => {
    const scope = compileScope({
      sourceName: "s",
      includedNamespaces: ["a", "b"],
      excludedNamespaces: ["b"],
      labelSelector: { matchLabels: { app: "web" } },
    });
    const [ns, cm] = plan(scope, [NS, CM]) as [PlannedResource, PlannedResource];
    expect(selects(scope, ns, obj("Namespace", "a"), labels)).toBe(true);
    expect(selects(scope, ns, obj("Namespace", "b"), labels)).toBe(false);
    expect(selects(scope, cm, obj("ConfigMap", "x", "a", { app: "web" }), labels)).toBe(true);
    expect(selects(scope, cm, obj("ConfigMap", "y", "a"), labels)).toBe(false);
    expect(selects(scope, cm, obj("ConfigMap", "x", "b", { app: "web" }), labels)).toBe(false);
    expect(selects(scope, cm, obj("ConfigMap", "x", "c", { app: "web" }), labels)).toBe(false);
  });

  it("resources[] filters, namespaceSelector against the namespace's labels", () => {
    const scope = compileScope({
      sourceName: "s",
      resources: [
        {
          version: "v1",
          resource: "configmaps",
          filters: {
            namespaceSelector: { matchLabels: { team: "a" } },
            nameSelector: { excludeRegex: ["tmp-.*"] },
          },
        },
      ],
    });
    const [ns, cm] = plan(scope, [CM]) as [PlannedResource, PlannedResource];
    expect(ns.inResourceSet).toBe(false);
    expect(selects(scope, ns, obj("Namespace", "a"), labels)).toBe(false);
    expect(selects(scope, cm, obj("ConfigMap", "x", "a"), labels)).toBe(true);
    expect(selects(scope, cm, obj("ConfigMap", "tmp-1", "a"), labels)).toBe(false);
    expect(selects(scope, cm, obj("ConfigMap", "x", "b"), labels)).toBe(false);
  });

  it("cluster-scoped objects only with includeClusterResources", () => {
    const on = compileScope({
      sourceName: "s",
      includedNamespaces: ["a"],
      includeClusterResources: true,
    });
    const roles = plan(on, [ROLES]).find((p) => p.info === ROLES)!;
    expect(selects(on, roles, obj("ClusterRole", "r"), labels)).toBe(true);
    const off = compileScope({ sourceName: "s", includeClusterResources: false });
    expect(selects(off, { ...roles }, obj("ClusterRole", "r"), labels)).toBe(false);
  });
});
