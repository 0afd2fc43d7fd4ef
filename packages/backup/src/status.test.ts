import { describe, expect, it } from "vitest";
import { BACKUP_FORMAT_VERSION } from "./format.js";
import { backupPhase, finalStatus, ttlMs } from "./status.js";

const base = {
  startTime: new Date("2026-01-01T00:00:00Z"),
  completionTime: new Date("2026-01-01T00:01:00Z"),
  fatal: false,
  itemsTotal: 3,
  itemsBackedUp: 3,
  warnings: [],
  errors: [],
  resourceVersion: "42",
  kubernetesVersion: "v1.35.0",
};

describe("finalStatus", () => {
  it("expires ttl (720h by default) after completion", () => {
    const s = finalStatus({ ...base, resources: [] });
    expect(s.expiration).toBe("2026-01-31T00:01:00.000Z");
    expect(finalStatus({ ...base, ttl: "1h", resources: [] }).expiration).toBe(
      "2026-01-01T01:01:00.000Z",
    );
    expect(s.formatVersion).toBe(BACKUP_FORMAT_VERSION);
  });

  it("atomic only when every resource was listed at the revision; names the others", () => {
    const resources = [
      { group: "", version: "v1", resource: "configmaps", items: 2, atomic: true },
      { group: "metrics.example.com", version: "v1", resource: "usages", items: 1, atomic: false },
    ];
    const s = finalStatus({ ...base, resources });
    expect(s.atomic).toBe(false);
    expect(s.nonAtomicResources).toEqual(["metrics.example.com/v1/usages"]);
    expect(finalStatus({ ...base, resources: resources.slice(0, 1) }).atomic).toBe(true);
  });

  it("a failed run reports nothing backed up and carries the archive location only when stored", () => {
    const failed = finalStatus({ ...base, fatal: true, resources: [] });
    expect(failed.phase).toBe("Failed");
    expect(failed.itemsBackedUp).toBe(0);
    expect(failed.location).toBeUndefined();
    const stored = finalStatus({
      ...base,
      resources: [],
      stored: { location: "/tmp/b.tgz", sha256: "ab", size: 10, encrypted: false },
    });
    expect(stored).toMatchObject({
      location: "/tmp/b.tgz",
      sha256: "ab",
      size: 10,
      encrypted: false,
    });
  });
});

describe("backupPhase / ttlMs", () => {
  it("phases", () => {
    expect(backupPhase(false, [])).toBe("Completed");
    expect(backupPhase(false, [{ message: "x" }])).toBe("PartiallyFailed");
    expect(backupPhase(true, [])).toBe("Failed");
  });
  it("ttl", () => {
    expect(ttlMs(undefined)).toBe(720 * 3_600_000);
    expect(ttlMs("90m")).toBe(5_400_000);
    expect(ttlMs("soon")).toBeUndefined();
    expect(ttlMs("0s")).toBeUndefined();
  });
});
