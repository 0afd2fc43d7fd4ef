import { describe, expect, it } from "vitest";
import { PermanentError } from "@livesync/bus";
import {
  ANNOTATIONS,
  MANAGED_LABEL,
  type EventType,
  type KubeObject,
  type SyncEvent,
} from "@livesync/core";
import { planApply, type ApplyInputs } from "./apply-plan.js";

const LS = "dr/main";
const source = (): KubeObject => ({
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: { name: "settings", namespace: "shop" },
  data: { v: "1" },
});
const event = (type: EventType, rv: string, extra: Partial<SyncEvent> = {}): SyncEvent => ({
  type,
  liveSync: LS,
  gvr: { group: "", version: "v1", resource: "configmaps" },
  kind: "ConfigMap",
  apiVersion: "v1",
  namespaced: true,
  namespace: "shop",
  name: "settings",
  uid: "uid-1",
  sourceResourceVersion: rv,
  observedAt: "2026-01-01T00:00:00.000Z",
  ...(type === "DELETED" || type === "PRUNE" ? {} : { object: source() }),
  ...extra,
});
const inputs = (extra: Partial<ApplyInputs> = {}): ApplyInputs => ({
  sourceCluster: "source",
  transformations: [[{ op: "add", path: "/data/extra", value: "x" }]],
  current: undefined,
  tombstone: undefined,
  ...extra,
});

describe("planApply", () => {
  it("creates the transformed copy, marked as ours", () => {
    const plan = planApply(event("ADDED", "10"), inputs());
    expect(plan.decision.action).toBe("create");
    expect(plan.tombstone).toBeUndefined();
    expect(plan.desired?.data).toEqual({ v: "1", extra: "x" });
    expect(plan.desired?.metadata.labels).toEqual({ [MANAGED_LABEL]: "true" });
    expect(plan.desired?.metadata.annotations).toMatchObject({
      [ANNOTATIONS.liveSync]: LS,
      [ANNOTATIONS.sourceCluster]: "source",
      [ANNOTATIONS.sourceUid]: "uid-1",
      [ANNOTATIONS.sourceResourceVersion]: "10",
    });
  });

  it("skips what the copy already reflects, unless the event repairs a hand edit", () => {
    const current = planApply(event("ADDED", "10"), inputs()).desired;
    expect(planApply(event("RESYNC", "10"), inputs({ current })).decision).toMatchObject({
      action: "skip",
      kind: "duplicate",
    });
    const repair = planApply(event("RESYNC", "10", { repair: true }), inputs({ current }));
    expect(repair.decision).toMatchObject({ action: "update", repair: true });
    // A changed transformation reaches a copy whose source did not change.
    const changed = planApply(event("RESYNC", "10"), inputs({ current, transformations: [] }));
    expect(changed.decision.action).toBe("update");
  });

  it("never writes over an object it did not create", () => {
    const theirs = source();
    expect(planApply(event("ADDED", "10"), inputs({ current: theirs })).decision).toMatchObject({
      action: "skip",
      kind: "conflict",
    });
  });

  it("a delete leaves the greater tombstone whatever it decides", () => {
    const gone = planApply(event("DELETED", "20"), inputs({ tombstone: "15" }));
    expect(gone).toMatchObject({ decision: { action: "skip", kind: "gone" }, tombstone: "20" });
    expect(planApply(event("PRUNE", "12"), inputs({ tombstone: "15" })).tombstone).toBe("15");
    const current = planApply(event("ADDED", "10"), inputs()).desired;
    const del = planApply(event("DELETED", "20"), inputs({ current }));
    expect(del).toEqual({
      decision: expect.objectContaining({ action: "delete" }),
      tombstone: "20",
    });
    // ...and the tombstone keeps an older ADDED from resurrecting the object.
    expect(planApply(event("ADDED", "18"), inputs({ tombstone: "20" })).decision).toMatchObject({
      action: "skip",
      kind: "tombstone",
    });
  });

  it("an event that can never apply fails for good", () => {
    const bad = inputs({
      transformations: [[{ op: "replace", path: "/spec/replicas", value: 0 }]],
    });
    expect(() => planApply(event("ADDED", "10"), bad)).toThrow(PermanentError);
    expect(() => planApply(event("ADDED", "10"), bad)).toThrow(
      /transformation of spec.config.replication.resources\[0\] failed/,
    );
    expect(() => planApply(event("MODIFIED", "10", { object: undefined }), inputs())).toThrow(
      "MODIFIED event without an object",
    );
  });
});
