import { describe, expect, it } from "vitest";
import type { LiveSyncStatus } from "@livesync/engine";
import { assetStatus, liveSyncStatus, statusChanged } from "./status.js";
import type { RawObject } from "./objects.js";

const ls = (spec: Record<string, unknown> = {}, status?: Record<string, unknown>): RawObject => ({
  metadata: { name: "apps", namespace: "dr", generation: 4 },
  spec,
  status,
});
const engine = (over: Partial<LiveSyncStatus> = {}): LiveSyncStatus => ({
  liveSync: "dr/apps",
  state: "running",
  synced: 10,
  pending: 0,
  failed: 0,
  conflicts: 0,
  problems: [],
  ...over,
});
const ok = { unknown: [], denied: [], writable: [] };
type C = { type: string; status: string; reason: string; message: string };
/** Conditions by type; a missing one fails the lookup loudly. */
const conds = (s: Record<string, unknown>) => {
  const byType = new Map((s.conditions as C[]).map((c) => [c.type, c]));
  return new Proxy({} as Record<"Ready" | "Suspended" | "Degraded" | "SourceReadOnly", C>, {
    get: (_, type: string) => {
      const c = byType.get(type);
      if (!c) throw new Error(`no condition ${type}`);
      return c;
    },
  });
};

describe("liveSyncStatus", () => {
  it("is Ready and Replicating with a read-only source and a clean engine", () => {
    const s = liveSyncStatus(ls(), {
      invalid: [],
      source: { name: "src", access: ok },
      destination: { name: "dst", access: ok },
      engine: engine(),
      engineLocal: true,
    });
    const c = conds(s);
    expect(c.Ready).toMatchObject({ status: "True", reason: "Replicating" });
    expect(c.Suspended).toMatchObject({ status: "False" });
    expect(c.Degraded).toMatchObject({ status: "False" });
    expect(c.SourceReadOnly).toMatchObject({ status: "True", reason: "ReadOnly" });
    expect(s).toMatchObject({ observedGeneration: 4, synced: 10, failed: 0, outOfSync: 0 });
  });

  it("puts an invalid spec before everything else", () => {
    const c = conds(
      liveSyncStatus(ls({ suspend: true }), {
        invalid: ["spec.x: bad"],
        engineLocal: true,
      }),
    );
    expect(c.Ready).toMatchObject({
      status: "False",
      reason: "InvalidSpec",
      message: "spec.x: bad",
    });
  });

  it("names the cluster and role of access problems", () => {
    const c = conds(
      liveSyncStatus(ls(), {
        invalid: [],
        source: { name: "src", access: { ...ok, unknown: ["unknown resource x/v1/ys"] } },
        destination: { name: "dst", access: { ...ok, denied: ["create deployments.apps"] } },
        engine: engine(),
        engineLocal: true,
      }),
    );
    expect(c.Ready).toMatchObject({
      status: "False",
      reason: "UnknownResource",
      message:
        "source cluster src: unknown resource x/v1/ys; destination cluster dst: the credential may not create deployments.apps",
    });
  });

  it("warns about a writable source without making it unready", () => {
    const c = conds(
      liveSyncStatus(ls(), {
        invalid: [],
        source: { name: "src", access: { ...ok, writable: ["delete deployments.apps"] } },
        engine: engine(),
        engineLocal: true,
      }),
    );
    expect(c.Ready.status).toBe("True");
    expect(c.SourceReadOnly).toMatchObject({ status: "False", reason: "CredentialCanWrite" });
    expect(c.SourceReadOnly.message).toContain(
      "(KubernetesCluster src) can delete deployments.apps",
    );
  });

  it("reports runtime problems as Degraded, and a suspended one as not Ready", () => {
    const degraded = conds(
      liveSyncStatus(ls(), {
        invalid: [],
        engine: engine({ problems: ["bucket: down"] }),
        engineLocal: true,
      }),
    );
    expect(degraded.Ready).toMatchObject({ status: "False", reason: "Degraded" });
    expect(degraded.Degraded).toMatchObject({ status: "True", message: "bucket: down" });
    const suspended = conds(
      liveSyncStatus(ls({ suspend: true }), {
        invalid: [],
        engine: engine({ state: "suspended" }),
        engineLocal: true,
      }),
    );
    expect(suspended.Ready).toMatchObject({ status: "False", reason: "Suspended" });
    expect(suspended.Suspended.status).toBe("True");
  });

  it("without the engine in this process, is Ready from validation and access alone and writes no counts", () => {
    const s = liveSyncStatus(ls(), {
      invalid: [],
      source: { name: "s", access: ok },
      engineLocal: false,
    });
    expect(conds(s).Ready).toMatchObject({ status: "True", reason: "Configured" });
    expect(s).not.toHaveProperty("synced");
  });

  it("keeps lastTransitionTime while a condition's status holds", () => {
    const first = liveSyncStatus(ls(), { invalid: [], engine: engine(), engineLocal: true });
    const old = (first.conditions as { lastTransitionTime: string }[]).map((c) => ({
      ...c,
      lastTransitionTime: "2020-01-01T00:00:00.000Z",
    }));
    const again = liveSyncStatus(ls({}, { conditions: old }), {
      invalid: [],
      engine: engine(),
      engineLocal: true,
    });
    expect(conds(again).Ready).toMatchObject({ lastTransitionTime: "2020-01-01T00:00:00.000Z" });
    expect(statusChanged({ ...first, conditions: old }, again)).toBe(false);
  });
});

describe("assetStatus", () => {
  it("is Checking until the first check, then Reachable or the reason", () => {
    const o: RawObject = { metadata: { name: "c", generation: 1 } };
    expect(conds(assetStatus(o, [], undefined)).Ready.reason).toBe("Checking");
    expect(conds(assetStatus(o, [], { detail: "up" })).Ready).toMatchObject({
      status: "True",
      reason: "Reachable",
    });
    expect(
      conds(assetStatus(o, [], { error: "bad", reason: "InvalidKubeconfig" })).Ready,
    ).toMatchObject({ status: "False", reason: "InvalidKubeconfig", message: "bad" });
    expect(conds(assetStatus(o, ["spec.secretName: missing"], { detail: "up" })).Ready.reason).toBe(
      "InvalidSpec",
    );
  });
});
