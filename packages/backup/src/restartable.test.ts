import { describe, expect, it } from "vitest";
import type { BackupWriter } from "./format.js";
import { restartableWriter } from "./restartable.js";

/** A writer that records what happened to it. */
function recording(log: string[], n: number): BackupWriter {
  return {
    add: async (entry) => void log.push(`${n} add ${entry.name}`),
    finish: async () => {
      log.push(`${n} finish`);
      return { location: `w${n}`, sha256: "", size: 0, encrypted: false };
    },
    abort: async () => void log.push(`${n} abort`),
  };
}

describe("restartableWriter", () => {
  it("reset drops the current archive and continues in a fresh one", async () => {
    const log: string[] = [];
    let opened = 0;
    const writer = await restartableWriter(() => recording(log, ++opened));
    const entry = {
      group: "",
      version: "v1",
      resource: "configmaps",
      kind: "ConfigMap",
      name: "a",
      uid: "u",
      resourceVersion: "1",
    };
    await writer.add(entry, { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "a" } });
    await writer.reset!();
    await writer.add(
      { ...entry, name: "b" },
      { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "b" } },
    );
    const stored = await writer.finish(
      {
        format: "1.0.0",
        backup: "x",
        resourceVersion: "1",
        atomic: true,
        kubernetesVersion: "",
        createdAt: "",
      },
      {} as never,
      { warnings: [], errors: [] },
    );
    expect(log).toEqual(["1 add a", "1 abort", "2 add b", "2 finish"]);
    expect(stored.location).toBe("w2");
  });
});
