import { describe, expect, it } from "vitest";
import { placeAfterOwners, prepareItem, relinkOwners } from "./prepare.js";
import { RestoreScope } from "./scope.js";
import { item, obj } from "./test-fixtures.js";
import { FIRST_WAIT_TIER } from "./tiers.js";

const scope = new RestoreScope(
  { destinationName: "d", backupName: "b", namespaceMapping: { app: "app2" } },
  [{ sourceName: "s" }],
);

describe("prepareItem", () => {
  it("maps the namespace, a Namespace's own name and RoleBinding subjects", () => {
    const rb = obj("RoleBinding", "app", "rb", {
      subjects: [
        { kind: "ServiceAccount", name: "sa", namespace: "app" },
        { kind: "ServiceAccount", name: "sb", namespace: "other" },
      ],
      roleRef: { kind: "Role", name: "r", apiGroup: "rbac.authorization.k8s.io" },
    });
    const p = prepareItem(item(rb), scope);
    expect(p.ref).toMatchObject({ namespace: "app2", name: "rb" });
    expect(p.desired!.metadata.namespace).toBe("app2");
    expect((p.desired!.subjects as { namespace: string }[]).map((s) => s.namespace)).toEqual([
      "app2",
      "other",
    ]);
    const labels = { "kubernetes.io/metadata.name": "app" };
    const ns = prepareItem(
      item(obj("Namespace", "", "app", { metadata: { name: "app", labels } })),
      scope,
    );
    expect(ns.ref.name).toBe("app2");
    expect(ns.desired!.metadata).toEqual({
      name: "app2",
      labels: { "kubernetes.io/metadata.name": "app2" },
    });
  });

  it("skips with the reason and keeps the source uid", () => {
    const rs = obj("ReplicaSet", "app", "web-1", {
      metadata: {
        name: "web-1",
        namespace: "app",
        ownerReferences: [
          { apiVersion: "apps/v1", kind: "Deployment", name: "web", uid: "u", controller: true },
        ],
      },
    });
    const p = prepareItem(item(rs, "src-uid"), scope);
    expect(p.skip).toMatch(/Deployment\/web/);
    expect(p.sourceUid).toBe("src-uid");
    expect(p.desired).toBeUndefined();
  });

  it("skips the resources the backup package lists as never restored", () => {
    const lease = {
      entry: {
        path: "",
        group: "coordination.k8s.io",
        version: "v1",
        resource: "leases",
        kind: "Lease",
        namespace: "app",
        name: "l",
        uid: "u",
        resourceVersion: "1",
        sha256: "",
      },
      object: {
        apiVersion: "coordination.k8s.io/v1",
        kind: "Lease",
        metadata: { name: "l", namespace: "app" },
      },
    };
    expect(prepareItem(lease, scope).skip).toMatch(/^leases are never restored/);
  });

  it("places a waitFor group's objects after every tier, in group order", () => {
    const waitFor = [
      { resources: [{ group: "example.com", version: "v1", resource: "widgets", names: ["db"] }] },
      { resources: [{ group: "example.com", version: "v1", resource: "widgets" }] },
    ];
    expect(prepareItem(item(obj("Widget", "app", "db")), scope, waitFor).tier).toBe(
      FIRST_WAIT_TIER,
    );
    expect(prepareItem(item(obj("Widget", "app", "web")), scope, waitFor).tier).toBe(
      FIRST_WAIT_TIER + 1,
    );
  });
});

describe("relinkOwners", () => {
  it("points references at the restored owners' new uids and drops the others", () => {
    const owners = [
      { apiVersion: "example.com/v1", kind: "Widget", name: "w", uid: "old-w" },
      { apiVersion: "v1", kind: "ConfigMap", name: "gone", uid: "old-gone" },
    ];
    expect(relinkOwners(owners, new Map([["old-w", "new-w"]]))).toEqual([
      { apiVersion: "example.com/v1", kind: "Widget", name: "w", uid: "new-w" },
    ]);
  });
});

describe("placeAfterOwners", () => {
  it("moves an object owned by a later tier's object into that tier, following chains", () => {
    const owned = (kind: string, name: string, ownerUid?: string) =>
      prepareItem(
        item(
          obj(kind, "app", name, {
            metadata: {
              name,
              namespace: "app",
              ...(ownerUid
                ? { ownerReferences: [{ apiVersion: "v1", kind: "X", name: "x", uid: ownerUid }] }
                : {}),
            },
          }),
          `uid-${name}`,
        ),
        scope,
      );
    const widget = owned("Widget", "w");
    const cm = owned("ConfigMap", "c", "uid-w");
    const secret = owned("Secret", "s", "uid-c");
    const placed = placeAfterOwners([secret, cm, widget]);
    expect(placed.map((i) => i.tier)).toEqual([widget.tier, widget.tier, widget.tier]);
    expect(cm.tier).toBeLessThan(widget.tier);
  });
});
