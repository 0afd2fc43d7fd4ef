import { describe, expect, it } from "vitest";
import { sanitize } from "../sanitize.js";
import type { Gvr, KubeObject } from "../types.js";
import { GVR, expectObject, expectSkip, m } from "./test-fixtures.js";

describe("sanitize: never copied (1.2)", () => {
  it.each<[string, KubeObject, Gvr, RegExp]>([
    [
      "default ServiceAccount",
      { apiVersion: "v1", kind: "ServiceAccount", metadata: m("default", "app") },
      GVR.sa,
      /created in every namespace/,
    ],
    [
      "default ServiceAccount with only its generated secrets",
      {
        apiVersion: "v1",
        kind: "ServiceAccount",
        metadata: m("default", "app"),
        secrets: [{ name: "default-token-abcde" }],
        imagePullSecrets: [{ name: "default-dockercfg-xyz" }],
      },
      GVR.sa,
      /created in every namespace/,
    ],
    [
      "auto-created service-account token Secret",
      {
        apiVersion: "v1",
        kind: "Secret",
        type: "kubernetes.io/service-account-token",
        metadata: m("builder-token-x7k2p", "app", {
          annotations: { "kubernetes.io/service-account.name": "builder" },
        }),
      },
      GVR.secret,
      /token Secret auto-created for ServiceAccount builder/,
    ],
    [
      "OpenShift generated dockercfg Secret",
      {
        apiVersion: "v1",
        kind: "Secret",
        type: "kubernetes.io/dockercfg",
        metadata: m("default-dockercfg-x7k2p", "app", {
          annotations: { "kubernetes.io/service-account.name": "default" },
        }),
      },
      GVR.secret,
      /pull Secret auto-created/,
    ],
  ])("skips %s", (_name, input, gvr, reason) => {
    expectSkip(input, gvr, reason);
  });

  it.each<[string, KubeObject, Gvr]>([
    [
      "a default ServiceAccount with a user pull secret",
      {
        apiVersion: "v1",
        kind: "ServiceAccount",
        metadata: { name: "default", namespace: "app" },
        imagePullSecrets: [{ name: "regcred" }],
      },
      GVR.sa,
    ],
    [
      "a default ServiceAccount with automount disabled",
      {
        apiVersion: "v1",
        kind: "ServiceAccount",
        metadata: { name: "default", namespace: "app" },
        automountServiceAccountToken: false,
      },
      GVR.sa,
    ],
    [
      "a user Secret whose name merely looks like a token",
      {
        apiVersion: "v1",
        kind: "Secret",
        type: "Opaque",
        metadata: {
          name: "builder-token-x",
          namespace: "app",
          annotations: { "kubernetes.io/service-account.name": "builder" },
        },
      },
      GVR.secret,
    ],
  ])("copies %s", (_name, input, gvr) => {
    expect(sanitize(input, gvr)).toHaveProperty("object");
  });
});

describe("sanitize: per-kind rewrites (1.3)", () => {
  it("ServiceAccount: drops generated token and dockercfg references", () => {
    expectObject(
      {
        apiVersion: "v1",
        kind: "ServiceAccount",
        metadata: { name: "builder", namespace: "app" },
        secrets: [
          { name: "builder-token-x7k2p" },
          { name: "builder-dockercfg-abc" },
          { name: "extra" },
        ],
        imagePullSecrets: [{ name: "builder-dockercfg-abc" }],
      },
      GVR.sa,
      {
        apiVersion: "v1",
        kind: "ServiceAccount",
        metadata: { name: "builder", namespace: "app" },
        secrets: [{ name: "extra" }],
      },
    );
  });

  it("ServiceAccount default with a user pull secret keeps it", () => {
    expectObject(
      {
        apiVersion: "v1",
        kind: "ServiceAccount",
        metadata: { name: "default", namespace: "app" },
        secrets: [{ name: "default-token-abc" }],
        imagePullSecrets: [{ name: "default-dockercfg-abc" }, { name: "regcred" }],
      },
      GVR.sa,
      {
        apiVersion: "v1",
        kind: "ServiceAccount",
        metadata: { name: "default", namespace: "app" },
        imagePullSecrets: [{ name: "regcred" }],
      },
    );
  });

  it("Secret service-account-token made by hand: drops uid and the token controller's data", () => {
    expectObject(
      {
        apiVersion: "v1",
        kind: "Secret",
        type: "kubernetes.io/service-account-token",
        metadata: {
          name: "ci-robot",
          namespace: "app",
          annotations: {
            "kubernetes.io/service-account.name": "ci",
            "kubernetes.io/service-account.uid": "u-sa",
          },
        },
        data: { token: "dG9r", "ca.crt": "Y2E=", namespace: "YXBw", extra: "eA==" },
      },
      GVR.secret,
      {
        apiVersion: "v1",
        kind: "Secret",
        type: "kubernetes.io/service-account-token",
        metadata: {
          name: "ci-robot",
          namespace: "app",
          annotations: { "kubernetes.io/service-account.name": "ci" },
        },
        data: { extra: "eA==" },
      },
    );
  });

  it("Secret service-account-token with only controller data ends without data", () => {
    const out = sanitize(
      {
        apiVersion: "v1",
        kind: "Secret",
        type: "kubernetes.io/service-account-token",
        metadata: {
          name: "ci-robot",
          namespace: "app",
          annotations: { "kubernetes.io/service-account.name": "ci" },
        },
        data: { token: "dG9r", "ca.crt": "Y2E=", namespace: "YXBw" },
      },
      GVR.secret,
    );
    expect(out).toEqual({
      object: {
        apiVersion: "v1",
        kind: "Secret",
        type: "kubernetes.io/service-account-token",
        metadata: {
          name: "ci-robot",
          namespace: "app",
          annotations: { "kubernetes.io/service-account.name": "ci" },
        },
      },
    });
  });

  it("an Opaque Secret keeps its data untouched", () => {
    expectObject(
      {
        apiVersion: "v1",
        kind: "Secret",
        type: "Opaque",
        metadata: { name: "s", namespace: "app" },
        data: { token: "eA==" },
      },
      GVR.secret,
      {
        apiVersion: "v1",
        kind: "Secret",
        type: "Opaque",
        metadata: { name: "s", namespace: "app" },
        data: { token: "eA==" },
      },
    );
  });
});
