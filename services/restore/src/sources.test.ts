import { describe, expect, it } from "vitest";
import type { Backup, BackupPhase } from "@livesync/api";
import { pickRestoreSources, SCHEDULE_LABEL } from "./sources.js";

const backup = (
  name: string,
  phase: BackupPhase,
  completionTime: string,
  schedule?: string,
): Backup => ({
  apiVersion: "backup.livesync.dev/v1alpha1",
  kind: "Backup",
  metadata: { name, ...(schedule ? { labels: { [SCHEDULE_LABEL]: schedule } } : {}) },
  spec: { sourceName: "src" },
  status: { phase, completionTime },
});

const backups = [
  backup("nightly-1", "Completed", "2026-12-01T01:00:00Z", "nightly"),
  backup("nightly-2", "Completed", "2026-12-02T01:00:00Z", "nightly"),
  backup("nightly-3", "PartiallyFailed", "2026-12-03T01:00:00Z", "nightly"),
  backup("self-1", "Completed", "2026-12-01T12:00:00Z", "self"),
  backup("manual", "Failed", "2026-12-04T00:00:00Z"),
];
const pick = (spec: object) =>
  pickRestoreSources({ destinationName: "d", ...spec }, backups, "bucket b");

describe("pickRestoreSources", () => {
  it("latest is the newest Completed backup, whatever came later and failed", () => {
    expect(pick({ backupName: "latest" })).toEqual(["nightly-2"]);
  });
  it("a schedule's latest successful backup", () => {
    expect(pick({ scheduleName: "self" })).toEqual(["self-1"]);
  });
  it("one per schedule, in the map's order, skip leaving one out", () => {
    expect(pick({ backups: { self: "latest", nightly: "nightly-1" } })).toEqual([
      "self-1",
      "nightly-1",
    ]);
    expect(pick({ backups: { self: "skip", nightly: "latest" } })).toEqual(["nightly-2"]);
  });
  it("names what is missing", () => {
    expect(() => pick({ backupName: "nope" })).toThrow("backup nope not found in bucket b");
    expect(() => pick({ scheduleName: "weekly" })).toThrow(
      "no Completed backup of schedule weekly in bucket b",
    );
    expect(() => pick({})).toThrow(/exactly one of/);
  });
});
