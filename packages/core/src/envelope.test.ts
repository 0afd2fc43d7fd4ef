import { describe, expect, it } from "vitest";
import { gvrKey } from "@livesync/api";
import {
  decodeEvent,
  encodeEvent,
  EventDecodeError,
  messageId,
  objectKey,
  parseSubject,
  subjectFor,
  type SyncEvent,
} from "./envelope.js";

const event = (over: Partial<SyncEvent> = {}): SyncEvent => ({
  type: "MODIFIED",
  liveSync: "dr/main",
  gvr: { group: "apps", version: "v1", resource: "deployments" },
  kind: "Deployment",
  apiVersion: "apps/v1",
  namespaced: true,
  namespace: "app",
  name: "web",
  uid: "0b0c6c4e-1111-4e4e-8a8a-000000000001",
  sourceResourceVersion: "12345",
  observedAt: "2024-05-01T10:00:00.000Z",
  object: {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "web", namespace: "app", labels: { app: "web" } },
    spec: { replicas: 3 },
  },
  ...over,
});

describe("messageId", () => {
  it("is liveSync/uid/resourceVersion/type", () => {
    expect(messageId(event())).toBe("dr/main/0b0c6c4e-1111-4e4e-8a8a-000000000001/12345/MODIFIED");
  });
  it("differs per type and version, not per observation time", () => {
    const ids = new Set([
      messageId(event()),
      messageId(event({ type: "DELETED" })),
      messageId(event({ type: "RESYNC" })),
      messageId(event({ sourceResourceVersion: "12346" })),
      messageId(event({ uid: "other" })),
      messageId(event({ liveSync: "dr/other" })),
    ]);
    expect(ids.size).toBe(6);
    expect(messageId(event({ observedAt: "2030-01-01T00:00:00Z" }))).toBe(messageId(event()));
  });
  it("dedupes a repeated resync of the same version", () => {
    expect(messageId(event({ type: "RESYNC" }))).toBe(
      messageId(event({ type: "RESYNC", observedAt: "2031-01-01T00:00:00Z" })),
    );
  });
});

describe("subjects", () => {
  it("maps dots in names to underscores and back", () => {
    expect(subjectFor("livesync.events", "dr/main")).toBe("livesync.events.dr.main");
    expect(subjectFor("ls", "team.a/sync.v1.prod")).toBe("ls.team_a.sync_v1_prod");
    expect(parseSubject("ls", "ls.team_a.sync_v1_prod")).toBe("team.a/sync.v1.prod");
    expect(parseSubject("livesync.events", "livesync.events.dr.main")).toBe("dr/main");
  });
  it("round-trips", () => {
    for (const ls of ["a/b", "a.b.c/d-e.f", "x-1/y"]) {
      expect(parseSubject("p.q", subjectFor("p.q", ls))).toBe(ls);
    }
  });
  it("rejects malformed liveSync names and foreign subjects", () => {
    expect(() => subjectFor("ls", "no-slash")).toThrow(/<namespace>\/<name>/);
    expect(() => subjectFor("ls", "a/b/c")).toThrow();
    expect(() => subjectFor("ls", "/b")).toThrow();
    expect(parseSubject("ls", "other.a.b")).toBeUndefined();
    expect(parseSubject("ls", "ls.a")).toBeUndefined();
    expect(parseSubject("ls", "ls.a.b.c")).toBeUndefined();
    expect(parseSubject("ls", "lsx.a.b")).toBeUndefined();
  });
});

describe("keys", () => {
  it("gvrKey omits the core group", () => {
    expect(gvrKey({ group: "apps", version: "v1", resource: "deployments" })).toBe(
      "apps/v1/deployments",
    );
    expect(gvrKey({ group: "", version: "v1", resource: "configmaps" })).toBe("v1/configmaps");
  });
  it("objectKey is gvrKey/namespace/name (empty namespace when cluster-scoped)", () => {
    expect(objectKey(event())).toBe("apps/v1/deployments/app/web");
    expect(
      objectKey({ gvr: { group: "", version: "v1", resource: "namespaces" }, name: "app" }),
    ).toBe("v1/namespaces//app");
  });
});

describe("encode/decode", () => {
  it("round-trips every event type", () => {
    for (const e of [
      event(),
      event({ type: "ADDED" }),
      event({ type: "RESYNC" }),
      event({ type: "DELETED", object: undefined }),
      event({ type: "PRUNE", object: undefined }),
      event({
        gvr: { group: "", version: "v1", resource: "namespaces" },
        kind: "Namespace",
        apiVersion: "v1",
        namespaced: false,
        namespace: undefined,
        name: "app",
        object: { apiVersion: "v1", kind: "Namespace", metadata: { name: "app" } },
      }),
    ]) {
      const bytes = encodeEvent(e);
      expect(bytes).toBeInstanceOf(Uint8Array);
      expect(decodeEvent(bytes)).toEqual(JSON.parse(JSON.stringify(e)));
    }
  });

  it("accepts a string", () => {
    expect(decodeEvent(JSON.stringify(event()))).toEqual(event());
  });

  const bad = (v: unknown) =>
    new TextEncoder().encode(typeof v === "string" ? v : JSON.stringify(v));
  const problems = (bytes: Uint8Array): string[] => {
    try {
      decodeEvent(bytes);
    } catch (err) {
      expect(err).toBeInstanceOf(EventDecodeError);
      return (err as EventDecodeError).problems;
    }
    throw new Error("decoded");
  };

  it.each<[string, Uint8Array, RegExp]>([
    ["not JSON", bad("{nope"), /^not JSON/],
    ["invalid UTF-8", new Uint8Array([0xff, 0xfe, 0x7b]), /not valid UTF-8/],
    ["an array", bad([1, 2]), /not a JSON object/],
    ["null", bad("null"), /not a JSON object/],
    ["unknown type", bad({ ...event(), type: "UPSERT" }), /^type: must be one of ADDED/],
    ["bad liveSync", bad({ ...event(), liveSync: "main" }), /^liveSync/],
    ["missing gvr", bad({ ...event(), gvr: undefined }), /^gvr/],
    ["gvr without resource", bad({ ...event(), gvr: { group: "", version: "v1" } }), /^gvr/],
    ["missing uid", bad({ ...event(), uid: undefined }), /^uid: must be a non-empty string/],
    ["empty name", bad({ ...event(), name: "" }), /^name: must be a non-empty string/],
    [
      "numeric resourceVersion",
      bad({ ...event(), sourceResourceVersion: 5 }),
      /^sourceResourceVersion/,
    ],
    [
      "bad observedAt",
      bad({ ...event(), observedAt: "yesterday" }),
      /^observedAt: not an ISO 8601 time/,
    ],
    [
      "namespaced without namespace",
      bad({
        ...event(),
        namespace: undefined,
        object: { ...event().object!, metadata: { name: "web" } },
      }),
      /^namespace: required/,
    ],
    [
      "cluster-scoped with namespace",
      bad({ ...event(), namespaced: false }),
      /^namespace: must be absent/,
    ],
    [
      "namespaced not boolean",
      bad({ ...event(), namespaced: "yes" }),
      /^namespaced: must be a boolean/,
    ],
    [
      "apply event without object",
      bad({ ...event(), object: undefined }),
      /^object: required for MODIFIED/,
    ],
    [
      "object without metadata",
      bad({ ...event(), object: { kind: "Deployment" } }),
      /^object: must be a Kubernetes object/,
    ],
    [
      "object of another name",
      bad({
        ...event(),
        object: { ...event().object!, metadata: { name: "x", namespace: "app" } },
      }),
      /^object.metadata.name/,
    ],
    [
      "object of another kind",
      bad({ ...event(), object: { ...event().object!, kind: "StatefulSet" } }),
      /^object.kind/,
    ],
  ])("rejects %s", (_name, bytes, problem) => {
    expect(problems(bytes).some((p) => problem.test(p))).toBe(true);
  });

  it("lists every problem in one clear message", () => {
    expect(() => decodeEvent(bad({ type: "X" }))).toThrow(
      /^invalid sync event: type: .*; liveSync: .*; gvr: /,
    );
    expect(problems(bad({})).length).toBeGreaterThanOrEqual(9);
  });
});
