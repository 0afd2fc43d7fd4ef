import { describe, expect, it } from "vitest";
import { expirationOf, failedStatus, finalStatus } from "./backup-status.js";

const now = new Date("2026-12-02T12:00:00Z");

describe("backup statuses", () => {
  it("expires completion + ttl, 720h by default", () => {
    expect(expirationOf(now, "1h30m")).toBe("2026-12-02T13:30:00.000Z");
    expect(expirationOf(now, undefined)).toBe("2027-01-01T12:00:00.000Z");
  });

  it("fails with the reason and message in the Succeeded condition", () => {
    const s = failedStatus(
      "ClusterNotFound",
      'spec.sourceName: KubernetesCluster "x" not found',
      now,
      "2h",
    );
    expect(s).toMatchObject({
      phase: "Failed",
      completionTime: now.toISOString(),
      expiration: "2026-12-02T14:00:00.000Z",
      conditions: [{ type: "Succeeded", status: "False", reason: "ClusterNotFound" }],
    });
  });

  it("keeps what the snapshot returned and adds the condition and expiration", () => {
    const s = finalStatus(
      {
        phase: "Completed",
        itemsBackedUp: 12,
        completionTime: "2026-12-02T11:00:00Z",
        location: "s3://b/k",
      },
      now,
      "1h",
    );
    expect(s).toMatchObject({
      phase: "Completed",
      itemsBackedUp: 12,
      location: "s3://b/k",
      expiration: "2026-12-02T12:00:00.000Z",
      conditions: [
        { type: "Succeeded", status: "True", reason: "Completed", message: "12 items backed up" },
      ],
    });
    expect(finalStatus({ phase: "InProgress" }, now, undefined).phase).toBe("Failed");
  });
});
