/**
 * A clean-cluster restore: objects made in the real source cluster, stored as a snapshot stores
 * them (sanitised), restored into the real destination: the CRD before its custom resources,
 * Services with clusterIPs of the destination, no Pods or ReplicaSets (the destination's
 * controllers make them), ownerReferences relinked to the restored owner's new uid.
 */
import { afterAll, describe, expect, it } from "vitest";
import { portableCopy, RESTORED_BY_ANNOTATION, sanitize, type KubeObject } from "@livesync/core";
import { deleteObject, listAll } from "@livesync/kube";
import { eventually } from "@livesync/testkit";
import { runRestore } from "../src/index.js";
import {
  clusters,
  create,
  kubernetesVersion,
  memoryArchive,
  R,
  read,
  res,
  restoreBucket,
  schemalessCrd,
  uniq,
  type Stored,
} from "./helpers.js";

const { destination, source } = await clusters();
const id = uniq("rsc");
const group = `${id}.restore.test`;
const WIDGETS = res(group, "v1", "widgets", "Widget");
const crd = schemalessCrd(group, "Widget", "widgets");
const ns = id;

afterAll(async () => {
  for (const c of [source, destination]) {
    await deleteObject(c.rest, R.ns, undefined, ns).catch(() => undefined);
    await deleteObject(c.rest, R.crd, undefined, crd.metadata.name).catch(() => undefined);
    await deleteObject(c.rest, R.cr, undefined, `${id}-reader`).catch(() => undefined);
    await deleteObject(c.rest, R.crb, undefined, `${id}-reader`).catch(() => undefined);
    c.close();
  }
});

/** Makes the objects in the source, then reads them back as the snapshot would. */
async function backupFromSource(): Promise<Stored[]> {
  const deployment: KubeObject = {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "web", namespace: ns },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: "web" } },
      template: {
        metadata: { labels: { app: "web" } },
        spec: { containers: [{ name: "c", image: "nginx" }] },
      },
    },
  };
  const made: [typeof R.ns, KubeObject][] = [
    [R.ns, { apiVersion: "v1", kind: "Namespace", metadata: { name: ns } }],
    [R.crd, crd],
    [
      R.cr,
      {
        apiVersion: "rbac.authorization.k8s.io/v1",
        kind: "ClusterRole",
        metadata: { name: `${id}-reader` },
        rules: [{ apiGroups: [""], resources: ["configmaps"], verbs: ["get"] }],
      },
    ],
    [
      R.crb,
      {
        apiVersion: "rbac.authorization.k8s.io/v1",
        kind: "ClusterRoleBinding",
        metadata: { name: `${id}-reader` },
        roleRef: {
          apiGroup: "rbac.authorization.k8s.io",
          kind: "ClusterRole",
          name: `${id}-reader`,
        },
        subjects: [{ kind: "ServiceAccount", name: "app", namespace: ns }],
      },
    ],
    [R.sa, { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "app", namespace: ns } }],
    [
      R.secret,
      {
        apiVersion: "v1",
        kind: "Secret",
        metadata: { name: "tls", namespace: ns },
        type: "Opaque",
        data: { "ca.crt": "Y2E=" },
      },
    ],
    [
      R.cm,
      {
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: { name: "settings", namespace: ns },
        data: { mode: "prod" },
      },
    ],
    [
      R.svc,
      {
        apiVersion: "v1",
        kind: "Service",
        metadata: { name: "web", namespace: ns },
        spec: { selector: { app: "web" }, ports: [{ port: 80 }] },
      },
    ],
    [R.deploy, deployment],
  ];
  for (const [info, obj] of made) {
    await create(source, info, obj);
    if (info === R.crd) {
      await eventually(async () => {
        const got = await read(source, R.crd, undefined, crd.metadata.name);
        const conds =
          (got?.status as { conditions?: { type: string; status: string }[] })?.conditions ?? [];
        return conds.some((c) => c.type === "Established" && c.status === "True")
          ? true
          : undefined;
      });
      source.discovery.invalidate();
    }
  }
  await create(source, WIDGETS, {
    apiVersion: `${group}/v1`,
    kind: "Widget",
    metadata: { name: "w1", namespace: ns },
    spec: { size: 1 },
  });
  const stored: Stored[] = [];
  for (const info of [R.ns, R.crd, R.cr, R.crb, R.sa, R.secret, R.cm, R.svc, R.deploy, WIDGETS]) {
    const { items } = await listAll(source.rest, info, info.namespaced ? { namespace: ns } : {});
    for (const o of items) {
      const mine =
        info.namespaced || [ns, crd.metadata.name, `${id}-reader`].includes(o.metadata.name);
      const s = sanitize(o, info);
      if (mine && "object" in s) stored.push({ info, object: s.object, uid: o.metadata.uid });
    }
  }
  // A backup that kept generated objects: a ReplicaSet of the Deployment, its Pod, and a
  // ConfigMap owned by the Widget.
  const web = stored.find((s) => s.info === R.deploy)!;
  const widget = stored.find((s) => s.info === WIDGETS)!;
  const owner = (kind: string, name: string, uid: string, apiVersion: string) => ({
    apiVersion,
    kind,
    name,
    uid,
    controller: true,
  });
  stored.push(
    {
      info: R.rs,
      uid: "rs-uid",
      object: {
        apiVersion: "apps/v1",
        kind: "ReplicaSet",
        metadata: {
          name: "web-1",
          namespace: ns,
          ownerReferences: [owner("Deployment", "web", web.uid!, "apps/v1")],
        },
        spec: {},
      },
    },
    {
      info: R.pod,
      object: {
        apiVersion: "v1",
        kind: "Pod",
        metadata: {
          name: "web-1-a",
          namespace: ns,
          ownerReferences: [owner("ReplicaSet", "web-1", "rs-uid", "apps/v1")],
        },
        spec: {},
      },
    },
    {
      info: R.cm,
      object: {
        ...portableCopy({
          apiVersion: "v1",
          kind: "ConfigMap",
          metadata: { name: "widget-state", namespace: ns },
          data: { a: "1" },
        }),
        metadata: {
          name: "widget-state",
          namespace: ns,
          ownerReferences: [
            { apiVersion: `${group}/v1`, kind: "Widget", name: "w1", uid: widget.uid! },
          ],
        },
      },
    },
  );
  return stored;
}

describe("restore into a clean cluster", () => {
  it("restores CRD, namespace, RBAC, Secrets, ConfigMaps, Services, Deployments and custom resources in order", async () => {
    const stored = await backupFromSource();
    const sourceIp = (stored.find((s) => s.info === R.svc)!.object.spec as { clusterIP?: string })
      .clusterIP;
    expect(sourceIp).toBeUndefined(); // the snapshot already drops it
    const archive = memoryArchive(`${id}-backup`, stored, {
      kubernetesVersion: await kubernetesVersion(source),
    });
    const bucket = restoreBucket(ns);
    const { status, audit } = await runRestore({
      name: `${id}-r`,
      spec: { destinationName: "destination", backupName: archive.backup.metadata.name },
      destination,
      archives: [archive],
      bucket,
    });

    expect(status.failures).toEqual([]);
    expect(status.phase).toBe("Completed");
    const actions = Object.fromEntries(audit.items.map((i) => [`${i.kind}/${i.name}`, i.action]));
    expect(actions).toMatchObject({
      [`CustomResourceDefinition/${crd.metadata.name}`]: "create",
      [`Namespace/${ns}`]: "create",
      [`ClusterRole/${id}-reader`]: "create",
      "Secret/tls": "create",
      "ConfigMap/settings": "create",
      "Service/web": "create",
      "Deployment/web": "create",
      "Widget/w1": "create",
      "ReplicaSet/web-1": "skip",
      "Pod/web-1-a": "skip",
    });
    const kinds = audit.items.filter((i) => i.action === "create").map((i) => i.kind);
    expect(kinds.indexOf("CustomResourceDefinition")).toBe(0);
    expect(kinds.indexOf("Widget")).toBeGreaterThan(kinds.indexOf("Deployment"));

    const svc = await read(destination, R.svc, ns, "web");
    expect((svc!.spec as { clusterIP: string }).clusterIP).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    const deploy = await read(destination, R.deploy, ns, "web");
    expect(deploy!.metadata.annotations?.[RESTORED_BY_ANNOTATION]).toBe(`${id}-r`);
    expect(await read(destination, R.rs, ns, "web-1")).toBeUndefined();
    expect(await read(destination, R.pod, ns, "web-1-a")).toBeUndefined();
    // The destination's deployment controller makes the ReplicaSet of the restored Deployment.
    await eventually(
      async () => {
        const { items } = await listAll(destination.rest, R.rs, { namespace: ns });
        return items.find((rs) => rs.metadata.ownerReferences?.[0]?.uid === deploy!.metadata.uid);
      },
      { what: "a ReplicaSet of the restored Deployment" },
    );

    const widget = await read(destination, WIDGETS, ns, "w1");
    const state = await read(destination, R.cm, ns, "widget-state");
    expect(state!.metadata.ownerReferences).toEqual([
      expect.objectContaining({ kind: "Widget", name: "w1", uid: widget!.metadata.uid }),
    ]);

    const saved = JSON.parse(
      (await bucket.getRestoreFile(`${id}-r`, "audit.json"))!,
    ) as typeof audit;
    expect(saved.items).toHaveLength(audit.items.length);
    expect(status.auditLocation).toMatch(
      new RegExp(`^s3://.*/${ns}/restore-tests/restores/${id}-r/audit.json$`),
    );
  });
});
