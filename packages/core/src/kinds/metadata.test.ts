import { describe, expect, it } from "vitest";
import { sanitize } from "../sanitize.js";
import { GVR, expectObject, serverMeta } from "./test-fixtures.js";

describe("sanitize: metadata (1.1)", () => {
  it("keeps only name, namespace, labels, annotations and drops status", () => {
    expectObject(
      {
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: {
          name: "x",
          namespace: "app",
          labels: { app: "web" },
          annotations: { note: "hi" },
          ...serverMeta,
          ownerReferences: [{ apiVersion: "v1", kind: "Thing", name: "t", uid: "u" }],
          futureField: { x: 1 },
        },
        data: { k: "v" },
        status: { whatever: true },
      },
      GVR.cm,
      {
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: {
          name: "x",
          namespace: "app",
          labels: { app: "web" },
          annotations: { note: "hi" },
        },
        data: { k: "v" },
      },
    );
  });

  it("drops state and tracking annotations and livesync's own keys, keeps last-applied", () => {
    expectObject(
      {
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: {
          name: "web",
          namespace: "app",
          labels: { app: "web", "livesync.dev/managed": "true" },
          annotations: {
            "deployment.kubernetes.io/revision": "4",
            "deployment.kubernetes.io/revision-history": "1,2",
            "argocd.argoproj.io/tracking-id": "app:apps/Deployment:app/web",
            "livesync.dev/content-hash": "abc",
            "livesync.dev/anything-else": "x",
            "kubectl.kubernetes.io/last-applied-configuration": '{"kind":"Deployment"}',
          },
        },
        spec: { replicas: 3 },
      },
      GVR.deploy,
      {
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: {
          name: "web",
          namespace: "app",
          labels: { app: "web" },
          annotations: {
            "kubectl.kubernetes.io/last-applied-configuration": '{"kind":"Deployment"}',
          },
        },
        spec: { replicas: 3 },
      },
    );
  });

  it("omits label/annotation maps left empty", () => {
    expectObject(
      {
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: {
          name: "x",
          namespace: "app",
          labels: { "livesync.dev/managed": "true" },
          annotations: { "deployment.kubernetes.io/revision": "1" },
        },
      },
      GVR.cm,
      { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "x", namespace: "app" } },
    );
  });

  it("keeps non-controller owner-less objects with ownerReferences stripped", () => {
    const out = sanitize(
      {
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: {
          name: "x",
          namespace: "app",
          ownerReferences: [
            { apiVersion: "v1", kind: "Thing", name: "t", uid: "u", controller: false },
          ],
        },
      },
      GVR.cm,
    );
    expect(out).toEqual({
      object: { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "x", namespace: "app" } },
    });
  });
});
