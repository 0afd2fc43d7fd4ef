import { describe, expect, it } from "vitest";
import type { ExistingResourcePolicy, RestoreSpec } from "@livesync/api";
import { RESTORED_BY_ANNOTATION, type KubeObject } from "@livesync/core";
import { REDACTED } from "./diff.js";
import { planRestore, type LiveObject, type PlanEntry } from "./plan.js";
import { prepareItem } from "./prepare.js";
import { auditItem } from "./result.js";
import { refKey, RestoreScope, type ObjectRef } from "./scope.js";
import { gvrOfKind, item, live, obj } from "./test-fixtures.js";
import { tierOf } from "./tiers.js";

const spec: RestoreSpec = { destinationName: "dst", backupName: "b1" };

function plan(
  backup: KubeObject[],
  liveObjects: KubeObject[],
  policy: ExistingResourcePolicy,
  restoreSpec: RestoreSpec = spec,
  backupSpec = { sourceName: "src", includedNamespaces: ["app"] },
): PlanEntry[] {
  const scope = new RestoreScope(restoreSpec, [backupSpec]);
  const items = backup.map((o) => prepareItem(item(o), scope));
  const refOf = (o: KubeObject): ObjectRef => ({
    ...gvrOfKind(o.kind),
    kind: o.kind,
    ...(o.metadata.namespace ? { namespace: o.metadata.namespace } : {}),
    name: o.metadata.name,
  });
  const deletable: LiveObject[] = liveObjects
    .map((o) => ({ ref: refOf(o), object: o }))
    .filter(({ ref, object }) => scope.holds(ref, object))
    .map((l) => ({ ...l, tier: tierOf({ ...l.ref, namespaced: l.ref.namespace !== undefined }) }));
  return planRestore({
    restoreName: "r1",
    policy,
    items,
    live: new Map(liveObjects.map((o) => [refKey(refOf(o)), o])),
    deletable,
  });
}

const actions = (entries: PlanEntry[]) =>
  Object.fromEntries(
    entries.map((e) => [`${e.ref.kind}/${e.ref.namespace ?? ""}/${e.ref.name}`, e.action]),
  );

const cm = (name: string, data: Record<string, string>, ns = "app") =>
  obj("ConfigMap", ns, name, { data });

describe("planRestore: existing resource policies", () => {
  const backup = [cm("same", { a: "1" }), cm("drifted", { a: "1" }), cm("missing", { a: "1" })];
  const dest = [
    live(cm("same", { a: "1" })),
    live(cm("drifted", { a: "2" })),
    live(cm("extra", { a: "1" })),
  ];

  it("none: creates what is missing, leaves a drifted object with a warning and its diff", () => {
    const entries = plan(backup, dest, "none");
    expect(actions(entries)).toEqual({
      "ConfigMap/app/same": "unchanged",
      "ConfigMap/app/drifted": "skip",
      "ConfigMap/app/missing": "create",
    });
    const drifted = entries.find((e) => e.ref.name === "drifted")!;
    expect(drifted.warning).toMatch(/differs from the backup in \/data\/a/);
    expect(drifted.diff).toEqual([{ path: "/data/a", from: "2", to: "1" }]);
  });

  it("update: makes the drifted object equal, with the changed fields", () => {
    const entries = plan(backup, dest, "update");
    expect(actions(entries)).toEqual({
      "ConfigMap/app/same": "unchanged",
      "ConfigMap/app/drifted": "update",
      "ConfigMap/app/missing": "create",
    });
    const drifted = entries.find((e) => e.ref.name === "drifted")!;
    expect(drifted.live).toEqual({ uid: "live-drifted", resourceVersion: "99" });
    expect(drifted.diff).toEqual([{ path: "/data/a", from: "2", to: "1" }]);
  });

  it("revert: also deletes the extra object, with what it held", () => {
    const entries = plan(backup, dest, "revert");
    expect(actions(entries)).toMatchObject({
      "ConfigMap/app/extra": "delete",
      "ConfigMap/app/drifted": "update",
    });
    expect(entries.find((e) => e.action === "delete")!.diff).toEqual([
      { path: "/apiVersion", from: "v1" },
      { path: "/data", from: { a: "1" } },
      { path: "/kind", from: "ConfigMap" },
      { path: "/metadata", from: { name: "extra", namespace: "app" } },
    ]);
  });

  it("redacts Secret values in diffs", () => {
    const secret = (v: string) =>
      obj("Secret", "app", "s", { type: "Opaque", data: { password: v } });
    const [entry] = plan([secret("bmV3")], [live(secret("b2xk"))], "update");
    expect(entry!.diff).toEqual([{ path: "/data/password", from: REDACTED, to: REDACTED }]);
    expect(JSON.stringify(auditItem({ entry: entry!, action: entry!.action }))).not.toMatch(
      /bmV3|b2xk/,
    );
  });

  it("skips an object this restore already wrote and that equals the backup (resume)", () => {
    const done = live(cm("same", { a: "1" }));
    done.metadata.annotations = { [RESTORED_BY_ANNOTATION]: "r1" };
    const other = live(cm("other", { a: "1" }));
    other.metadata.annotations = { [RESTORED_BY_ANNOTATION]: "another-restore" };
    const entries = plan(
      [cm("same", { a: "1" }), cm("other", { a: "1" })],
      [done, other],
      "update",
    );
    expect(actions(entries)).toEqual({
      "ConfigMap/app/same": "skip",
      "ConfigMap/app/other": "unchanged",
    });
    expect(entries[1]!.reason).toBe("already restored by r1");
  });

  it("ignores what the destination populated: clusterIP, status, uid, managedFields", () => {
    const svc = (ip: string) =>
      obj("Service", "app", "web", {
        spec: { clusterIP: ip, clusterIPs: [ip], ports: [{ port: 80 }] },
      });
    const entries = plan([svc("10.0.0.1")], [live(svc("10.96.7.7"))], "update");
    expect(actions(entries)).toEqual({ "Service/app/web": "unchanged" });
  });
});

describe("planRestore: revert stays within its scope", () => {
  const extra = (kind: string, ns: string, name: string, extraFields = {}) =>
    live(obj(kind, ns, name, extraFields));

  it("never deletes outside the backup's namespaces, the restore's filters or the cluster's own objects", () => {
    const entries = plan(
      [cm("keep", { a: "1" }), cm("keep", { a: "1" }, "web")],
      [
        extra("ConfigMap", "other", "x"), // namespace outside the backup
        extra("ConfigMap", "web", "y"), // excluded by the restore's filter
        extra("ConfigMap", "app", "kube-root-ca.crt"), // published by the cluster
        extra("Pod", "app", "web-1", {
          metadata: {
            name: "web-1",
            namespace: "app",
            ownerReferences: [
              {
                apiVersion: "apps/v1",
                kind: "ReplicaSet",
                name: "web-x",
                uid: "u",
                controller: true,
              },
            ],
          },
        }),
        extra("Namespace", "", "default"),
        extra("ClusterRole", "", "reader"), // cluster-scoped: not in a namespaced backup
        extra("ConfigMap", "app", "z"),
      ],
      "revert",
      { ...spec, excludedNamespaces: ["web"] },
      { sourceName: "src", includedNamespaces: ["app", "web", "default"] },
    );
    expect(
      entries.filter((e) => e.action === "delete").map((e) => `${e.ref.namespace}/${e.ref.name}`),
    ).toEqual(["app/z"]);
  });

  it("does not delete a CRD, but warns", () => {
    const crd = live(obj("CustomResourceDefinition", "", "widgets.example.com"));
    const entries = plan([], [crd], "revert", spec, { sourceName: "src" } as never);
    expect(entries).toMatchObject([
      {
        action: "skip",
        warning: expect.stringMatching(/never deletes a CustomResourceDefinition/),
      },
    ]);
  });

  it("maps namespaces: an extra object in the mapped namespace is deleted, the source's namespace untouched", () => {
    const entries = plan(
      [cm("a", { a: "1" })],
      [extra("ConfigMap", "app", "old"), extra("ConfigMap", "app-restored", "old")],
      "revert",
      { ...spec, namespaceMapping: { app: "app-restored" } },
    );
    expect(actions(entries)).toEqual({
      "ConfigMap/app-restored/a": "create",
      "ConfigMap/app-restored/old": "delete",
    });
  });
});

describe("planRestore: order", () => {
  it("puts CRDs first, then namespaces, RBAC, Secrets and ConfigMaps, Services, workloads, custom resources", () => {
    const entries = plan(
      [
        obj("Widget", "app", "w"),
        obj("Deployment", "app", "d", { spec: {} }),
        obj("Service", "app", "s", { spec: {} }),
        cm("c", {}),
        obj("Secret", "app", "sec", { type: "Opaque" }),
        obj("ClusterRole", "", "r"),
        obj("Namespace", "", "app"),
        obj("CustomResourceDefinition", "", "widgets.example.com"),
      ],
      [],
      "none",
      spec,
      { sourceName: "src" } as never,
    );
    expect(entries.map((e) => e.ref.kind)).toEqual([
      "CustomResourceDefinition",
      "Namespace",
      "ClusterRole",
      "ConfigMap",
      "Secret",
      "Service",
      "Deployment",
      "Widget",
    ]);
  });
});
