import { compileSelection, type KubeObject } from "@livesync/core";
import { CONFIGMAPS } from "@livesync/kube";
import { describe, expect, it } from "vitest";
import { NamespaceLabels, publicationFor } from "./events.js";

const LS = "dr/main";

const cm = (name: string, namespace = "app", labels?: Record<string, string>): KubeObject => ({
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: { name, namespace, uid: `uid-${name}`, resourceVersion: "7", labels },
  data: { k: "v" },
  status: { ignored: true },
});

/** resources[]: ConfigMaps labelled tier=web (index 0), then those named cfg-* (index 1). */
const rules = compileSelection([
  {
    group: "",
    version: "v1",
    resource: "configmaps",
    filters: { selector: { matchLabels: { tier: "web" } } },
  },
  {
    group: "",
    version: "v1",
    resource: "configmaps",
    filters: { nameSelector: { regex: ["cfg-.*"] } },
  },
]).resources[0]!.rules;
const noLabels = () => undefined;

describe("publicationFor", () => {
  it("publishes a selected object, sanitised, with the first matching rule's index", () => {
    const p = publicationFor(
      LS,
      CONFIGMAPS,
      rules,
      "ADDED",
      cm("cfg-a", "app", { tier: "web" }),
      noLabels,
      1,
    );
    if (!("event" in p)) throw new Error(`skipped: ${p.skip}`);
    expect(p.event).toMatchObject({
      type: "ADDED",
      name: "cfg-a",
      namespace: "app",
      uid: "uid-cfg-a",
      resourceIndex: 0,
    });
    expect(p.event.object?.status).toBeUndefined();
    expect(p.id).toBe(`${LS}/uid-cfg-a/7/ADDED`);
    const second = publicationFor(LS, CONFIGMAPS, rules, "MODIFIED", cm("cfg-b"), noLabels, 1);
    expect("event" in second && second.event.resourceIndex).toBe(1);
  });

  it("skips what no rule selects, objects of system namespaces and objects never replicated", () => {
    expect(publicationFor(LS, CONFIGMAPS, rules, "ADDED", cm("other"), noLabels, 1)).toEqual({
      skip: "unselected",
    });
    expect(
      publicationFor(LS, CONFIGMAPS, rules, "ADDED", cm("cfg-a", "kube-system"), noLabels, 1),
    ).toEqual({
      skip: "unselected",
    });
    const all = compileSelection([{ group: "", version: "v1", resource: "configmaps" }])
      .resources[0]!.rules;
    expect(
      publicationFor(LS, CONFIGMAPS, all, "RESYNC", cm("kube-root-ca.crt"), noLabels, 1),
    ).toEqual({
      skip: "never-replicated",
    });
  });

  it("a deletion carries no object; a resync's id carries the resync round", () => {
    const del = publicationFor(LS, CONFIGMAPS, rules, "DELETED", cm("cfg-a"), noLabels, 1);
    expect("event" in del && del.event.object).toBeUndefined();
    const resync = publicationFor(LS, CONFIGMAPS, rules, "RESYNC", cm("cfg-a"), noLabels, 42);
    expect("id" in resync && resync.id).toBe(`${LS}/uid-cfg-a/7/RESYNC@42`);
  });

  it("under a namespaceSelector, selects by the labels of the object's namespace", () => {
    const byNs = compileSelection([
      {
        group: "",
        version: "v1",
        resource: "configmaps",
        filters: { namespaceSelector: { matchLabels: { dr: "on" } } },
      },
    ]).resources[0]!.rules;
    const labels = new Map<string, Record<string, string>>([
      ["app", { dr: "on" }],
      ["other", {}],
    ]);
    const of = (ns: string) => labels.get(ns);
    expect("event" in publicationFor(LS, CONFIGMAPS, byNs, "ADDED", cm("a", "app"), of, 1)).toBe(
      true,
    );
    expect(publicationFor(LS, CONFIGMAPS, byNs, "ADDED", cm("a", "other"), of, 1)).toEqual({
      skip: "unselected",
    });
    // A namespace not known (yet) selects nothing.
    expect(publicationFor(LS, CONFIGMAPS, byNs, "ADDED", cm("a", "new"), of, 1)).toEqual({
      skip: "unselected",
    });
  });
});

describe("NamespaceLabels", () => {
  const ns = (name: string, labels?: Record<string, string>): KubeObject => ({
    apiVersion: "v1",
    kind: "Namespace",
    metadata: { name, labels },
  });

  it("reports the namespaces whose labels changed, never on a full list", () => {
    const n = new NamespaceLabels();
    expect(n.update([ns("a", { dr: "on" }), ns("b")], true)).toEqual([]);
    expect(n.get("a")).toEqual({ dr: "on" });
    expect(n.get("b")).toEqual({});
    // The same labels again: no change. New labels, a new namespace, a deletion: changes.
    expect(n.update([ns("a", { dr: "on" })], false)).toEqual([]);
    expect(n.update([ns("b", { dr: "on" })], false)).toEqual(["b"]);
    expect(n.update([ns("c")], false)).toEqual(["c"]);
    expect(n.update([ns("a", { dr: "on" })], false, true)).toEqual(["a"]);
    expect(n.get("a")).toBeUndefined();
    // A full list replaces what is known.
    expect(n.update([ns("z")], true)).toEqual([]);
    expect(n.get("b")).toBeUndefined();
  });
});
