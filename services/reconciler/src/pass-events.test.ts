import {
  ANNOTATIONS,
  compileSelection,
  MANAGED_LABEL,
  planReconcile,
  type KubeObject,
  type SelectedSource,
} from "@livesync/core";
import { CONFIGMAPS } from "@livesync/kube";
import { describe, expect, it } from "vitest";
import {
  needsEvent,
  ownedCopyOf,
  pruneEvent,
  resendEvent,
  type ListedCopy,
} from "./pass-events.js";

const LS = "dr/main";
const rules = compileSelection([
  {
    group: "",
    version: "v1",
    resource: "configmaps",
    filters: { nameSelector: { excludeRegex: ["skip-.*"] } },
  },
]).resources[0]!.rules;
const noLabels = () => undefined;
const key = (o: KubeObject) => `${o.metadata.namespace ?? ""}/${o.metadata.name}`;

/** A source object. */
const src = (name: string, uid: string, rv: string): KubeObject => ({
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: { name, namespace: "app", uid, resourceVersion: rv },
  data: { k: name },
});

/** A destination object as the metadata-only listing of managed objects shows it. */
const copy = (
  name: string,
  sourceUid: string,
  sourceRv: string,
  extra: { owner?: string; manager?: string; deleting?: boolean } = {},
): KubeObject => ({
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: {
    name,
    namespace: "app",
    labels: { [MANAGED_LABEL]: "true" },
    annotations: {
      [ANNOTATIONS.liveSync]: extra.owner ?? LS,
      [ANNOTATIONS.sourceUid]: sourceUid,
      [ANNOTATIONS.sourceResourceVersion]: sourceRv,
    },
    managedFields: [{ manager: extra.manager ?? "livesync", operation: "Apply" }],
    ...(extra.deleting ? { deletionTimestamp: "2026-01-01T00:00:00Z" } : {}),
  },
});

/** What reconciler.ts does with two listings, without the apiservers and the bus. */
function passEvents(destination: KubeObject[], source: KubeObject[], listVersion: string) {
  const owned = new Map<string, ListedCopy>();
  for (const c of destination) {
    const o = ownedCopyOf(c, LS, "livesync");
    if (o) owned.set(key(c), o);
  }
  const selected = new Map<string, SelectedSource>();
  const kept = new Map<string, KubeObject>();
  for (const o of source) {
    if (o.metadata.name.startsWith("skip-")) continue; // not selected (isCovered)
    const s = { uid: o.metadata.uid!, resourceVersion: o.metadata.resourceVersion! };
    selected.set(key(o), s);
    if (needsEvent(owned.get(key(o)), s)) kept.set(key(o), o);
  }
  const plan = planReconcile(
    { state: "listed", resource: "v1/configmaps", selected, total: source.length },
    owned,
  );
  const prunes = plan.prune.map((k) => pruneEvent(LS, CONFIGMAPS, owned.get(k)!, listVersion));
  const resends = [
    ...plan.missing.map((k) => resendEvent(LS, CONFIGMAPS, rules, kept.get(k)!, noLabels, false)),
    ...plan.stale.map((k) => resendEvent(LS, CONFIGMAPS, rules, kept.get(k)!, noLabels, false)),
    ...plan.repair.map((k) => resendEvent(LS, CONFIGMAPS, rules, kept.get(k)!, noLabels, true)),
  ];
  return { owned, kept, prunes, resends };
}

describe("a reconcile pass over one resource", () => {
  it("publishes a PRUNE for each copy whose source is gone and a RESYNC for each copy to redo", () => {
    const { owned, kept, prunes, resends } = passEvents(
      [
        copy("current", "u-current", "10"),
        copy("gone", "u-gone", "3"),
        copy("stale", "u-stale", "4"),
        copy("edited", "u-edited", "5", { manager: "kubectl-edit" }),
        copy("replaced", "u-old", "6"),
        copy("going", "u-going", "2", { deleting: true }),
        copy("theirs", "u-theirs", "1", { owner: "dr/other" }),
      ],
      [
        src("current", "u-current", "10"),
        src("stale", "u-stale", "9"),
        src("edited", "u-edited", "5"),
        src("replaced", "u-new", "11"),
        src("missing", "u-missing", "12"),
        src("theirs", "u-theirs", "1"),
      ],
      "99",
    );
    // Another LiveSynchronization's copies are never considered.
    expect([...owned.keys()]).not.toContain("app/theirs");
    // Only the objects that will need an event are kept whole.
    expect([...kept.keys()].sort()).toEqual(
      ["app/edited", "app/missing", "app/replaced", "app/stale", "app/theirs"].sort(),
    );
    expect(prunes.map((e) => [e.type, e.name, e.uid, e.sourceResourceVersion])).toEqual([
      ["PRUNE", "gone", "u-gone", "99"],
    ]);
    expect(resends.map((e) => [e?.type, e?.name, e?.uid, e?.repair ?? false])).toEqual([
      ["RESYNC", "missing", "u-missing", false],
      ["RESYNC", "replaced", "u-new", false],
      // Its name is taken by another LiveSynchronization's copy: sent as missing, and the
      // synchronizer's guard then leaves that copy alone (a conflict).
      ["RESYNC", "theirs", "u-theirs", false],
      ["RESYNC", "stale", "u-stale", false],
      ["RESYNC", "edited", "u-edited", true],
    ]);
    expect(resends[1]?.object?.data).toEqual({ k: "replaced" });
    expect(resends[0]?.resourceIndex).toBe(0);
  });

  it("a copy of an object no longer selected is pruned", () => {
    const { prunes, resends } = passEvents(
      [copy("skip-me", "u1", "1")],
      [src("skip-me", "u1", "1")],
      "5",
    );
    expect(prunes.map((e) => e.name)).toEqual(["skip-me"]);
    expect(resends).toEqual([]);
  });

  it("re-sends nothing for an object never replicated", () => {
    const root = src("kube-root-ca.crt", "u-root", "1");
    expect(resendEvent(LS, CONFIGMAPS, rules, root, noLabels, false)).toBeUndefined();
  });

  it("needsEvent: only copies missing, drifted, of another source uid or stale", () => {
    const s = { uid: "u", resourceVersion: "5" };
    const c = (o: Partial<ListedCopy>) => ({
      sourceUid: "u",
      sourceResourceVersion: "5",
      drifted: false,
      terminating: false,
      ...o,
    });
    expect(needsEvent(undefined, s)).toBe(true);
    expect(needsEvent(c({}), s)).toBe(false);
    expect(needsEvent(c({ drifted: true }), s)).toBe(true);
    expect(needsEvent(c({ sourceUid: "other" }), s)).toBe(true);
    expect(needsEvent(c({ sourceResourceVersion: "4" }), s)).toBe(true);
    expect(needsEvent(c({ sourceResourceVersion: "6" }), s)).toBe(false);
  });
});
