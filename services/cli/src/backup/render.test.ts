import { describe, expect, it } from "vitest";
import { sampleBackup } from "@livesync/backup/testing";
import { backupSummary, exitCodeForPhase, outputFormat } from "./common.js";
import { describeBackup } from "./describe.js";
import { backupTable } from "./list.js";
import { describeReport } from "./verify.js";

describe("backup CLI output", () => {
  const backup = sampleBackup("nightly");
  backup.status = {
    ...backup.status,
    itemsBackedUp: 12,
    location: "s3://b/k",
    sha256: "ab",
    errors: [{ resource: "secrets", namespace: "shop", name: "tls", message: "forbidden" }],
  };

  it("summarises a Backup with the documented keys at the top level", () => {
    expect(backupSummary(backup)).toMatchObject({
      name: "nightly",
      phase: "Completed",
      itemsBackedUp: 12,
      atomic: true,
      resourceVersion: "4242",
      kubernetesVersion: "v1.35.0",
      location: "s3://b/k",
      sha256: "ab",
      warnings: [],
      errors: [{ name: "tls", message: "forbidden" }],
      metadata: { name: "nightly" },
    });
    expect(backupSummary({ ...backup, status: undefined })).toMatchObject({
      phase: "New",
      itemsBackedUp: 0,
      errors: [],
    });
  });

  it("prints a table, a description and a verify verdict for people", () => {
    expect(backupTable([backup]).split("\n")[1]).toMatch(/^nightly\s+Completed\s+12\s+true\s+4242/);
    expect(describeBackup(backup)).toContain("error: secrets shop/tls: forbidden");
    expect(
      describeReport({
        ok: false,
        file: "b.tgz",
        format: "1.0.0",
        encrypted: false,
        items: 3,
        sha256: "x",
        checked: "contents",
        problems: [
          {
            path: "resources/core/v1/configmaps/a/x.json",
            gvr: "v1/configmaps",
            namespace: "a",
            name: "x",
            expected: "e",
            actual: "f",
            message: "does not match the index",
          },
        ],
      }),
    ).toBe(
      "FAILED: b.tgz: 3 objects checked against the index (format 1.0.0)\n" +
        "  resources/core/v1/configmaps/a/x.json (v1/configmaps a/x): does not match the index [sha256 f, expected e]",
    );
  });

  it("maps phases to exit codes and refuses unknown -o formats", () => {
    expect([
      exitCodeForPhase("Completed"),
      exitCodeForPhase("PartiallyFailed"),
      exitCodeForPhase("Failed"),
    ]).toEqual([0, 3, 1]);
    expect(outputFormat("json")).toBe("json");
    expect(() => outputFormat("yaml")).toThrow("only -o json");
  });
});
