import type { Backup } from "@livesync/api";
import { describe, expect, it } from "vitest";
import { SYNCED_ANNOTATION } from "./names.js";
import { syncPlan } from "./sync-plan.js";

const bucket = { namespace: "fresh", name: "store" };
const listedAt = new Date("2026-12-02T12:00:00Z");
const stored = (name: string, phase: "Completed" | "PartiallyFailed" = "Completed"): Backup => ({
  apiVersion: "backup.livesync.dev/v1alpha1",
  kind: "Backup",
  metadata: {
    name,
    namespace: "old-ns",
    labels: { "backup.livesync.dev/schedule": "s" },
    uid: "u",
  },
  spec: { sourceName: "src", bucketName: "old-bucket" },
  status: { phase, itemsBackedUp: 3, completionTime: "2026-12-01T00:00:00Z" },
});

describe("syncPlan", () => {
  it("creates the Backups the bucket holds and the cluster lacks, in the Bucket's namespace", () => {
    const plan = syncPlan(
      bucket,
      [stored("a"), stored("b")],
      [{ name: "a", phase: "Completed" }],
      listedAt,
    );
    expect(plan.remove).toEqual([]);
    expect(plan.create).toEqual([
      {
        apiVersion: "backup.livesync.dev/v1alpha1",
        kind: "Backup",
        metadata: {
          name: "b",
          namespace: "fresh",
          labels: { "backup.livesync.dev/schedule": "s" },
          annotations: { [SYNCED_ANNOTATION]: "fresh/store" },
        },
        spec: { sourceName: "src", bucketName: "store" },
        status: stored("b").status,
      },
    ]);
  });

  it("removes a successful Backup of this bucket whose data is gone", () => {
    const plan = syncPlan(
      bucket,
      [],
      [
        {
          name: "gone",
          bucketName: "store",
          phase: "Completed",
          completionTime: "2026-12-02T11:00:00Z",
        },
        {
          name: "gone-pf",
          bucketName: "store",
          phase: "PartiallyFailed",
          completionTime: "2026-12-02T11:00:00Z",
        },
      ],
      listedAt,
    );
    expect(plan.remove).toEqual(["gone", "gone-pf"]);
  });

  it("never touches a Backup in progress, failed, of another bucket, or finished after the listing", () => {
    const plan = syncPlan(
      bucket,
      [],
      [
        { name: "running", bucketName: "store", phase: "InProgress" },
        {
          name: "failed",
          bucketName: "store",
          phase: "Failed",
          completionTime: "2026-12-02T11:00:00Z",
        },
        {
          name: "elsewhere",
          bucketName: "other",
          phase: "Completed",
          completionTime: "2026-12-02T11:00:00Z",
        },
        {
          name: "just-done",
          bucketName: "store",
          phase: "Completed",
          completionTime: "2026-12-02T12:00:01Z",
        },
      ],
      listedAt,
    );
    expect(plan.remove).toEqual([]);
  });
});
