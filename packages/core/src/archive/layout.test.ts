import { describe, expect, it } from "vitest";
import { archiveKey, archivePrefix, gvrSegment, parseArchiveKey } from "./layout.js";

const bucket = { bucketNamespace: "livesync-system", bucketName: "gcp" };

describe("archiveKey: <bucket_namespace>/<bucket_name>/<gvr>/<object_namespace>.<object_name>", () => {
  it("core resources use the group name core", () => {
    const gvr = { group: "", version: "v1", resource: "configmaps" };
    expect(archiveKey({ ...bucket, gvr, namespace: "shop", name: "settings" })).toBe(
      "livesync-system/gcp/core-v1-configmaps/shop.settings",
    );
  });

  it("grouped resources keep their group", () => {
    const gvr = { group: "apps", version: "v1", resource: "deployments" };
    expect(archiveKey({ ...bucket, gvr, namespace: "shop", name: "web" })).toBe(
      "livesync-system/gcp/apps-v1-deployments/shop.web",
    );
    const ing = { group: "networking.k8s.io", version: "v1", resource: "ingresses" };
    expect(archiveKey({ ...bucket, gvr: ing, namespace: "a", name: "b.c" })).toBe(
      "livesync-system/gcp/networking.k8s.io-v1-ingresses/a.b.c",
    );
  });

  it("cluster-scoped objects use _cluster as namespace", () => {
    const gvr = { group: "rbac.authorization.k8s.io", version: "v1", resource: "clusterroles" };
    expect(archiveKey({ ...bucket, gvr, name: "reader" })).toBe(
      "livesync-system/gcp/rbac.authorization.k8s.io-v1-clusterroles/_cluster.reader",
    );
    expect(archiveKey({ ...bucket, gvr, namespace: "", name: "reader" })).toMatch(
      /\/_cluster\.reader$/,
    );
  });

  it("rejects empty or slashed segments", () => {
    const gvr = { group: "", version: "v1", resource: "configmaps" };
    expect(() => archiveKey({ ...bucket, gvr, namespace: "a", name: "" })).toThrow(/name/);
    expect(() => archiveKey({ ...bucket, gvr, namespace: "a", name: "x/y" })).toThrow(/name/);
    expect(() => archiveKey({ ...bucket, bucketName: "", gvr, name: "x" })).toThrow(/bucket name/);
  });

  it("prefixes and parsing round-trip", () => {
    const gvr = { group: "cert-manager.io", version: "v1", resource: "certificates" };
    expect(gvrSegment(gvr)).toBe("cert-manager.io-v1-certificates");
    expect(archivePrefix(bucket)).toBe("livesync-system/gcp/");
    expect(archivePrefix({ ...bucket, gvr })).toBe(
      "livesync-system/gcp/cert-manager.io-v1-certificates/",
    );
    const key = archiveKey({ ...bucket, gvr, namespace: "tls", name: "www.example.com" });
    expect(parseArchiveKey(key)).toEqual({
      ...bucket,
      gvrSegment: "cert-manager.io-v1-certificates",
      namespace: "tls",
      name: "www.example.com",
    });
    expect(parseArchiveKey("a/b/core-v1-namespaces/_cluster.shop")).toEqual({
      bucketNamespace: "a",
      bucketName: "b",
      gvrSegment: "core-v1-namespaces",
      name: "shop",
    });
    for (const bad of ["a/b/c", "a/b/c/noname", "a/b/c/.x", "a/b/c/x.", "a//c/x.y", "a/b/c/d/e.f"])
      expect(parseArchiveKey(bad)).toBeUndefined();
  });
});
