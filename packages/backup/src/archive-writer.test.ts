import { describe, expect, it } from "vitest";
import { indexEntry, indexText } from "./archive-writer.js";
import { configMapRef } from "./testing.js";

describe("indexText", () => {
  const header = {
    format: "1.0.0",
    backup: "b",
    resourceVersion: "7",
    atomic: true,
    kubernetesVersion: "v1.35.0",
    createdAt: "2026-12-01T00:00:00Z",
    files: { "backup.json": "ab" },
  };

  it("is the index as JSON, one item per line", () => {
    const items = [
      indexEntry(configMapRef("a", "x"), Buffer.from("{}")),
      indexEntry(configMapRef("a", "y"), Buffer.from("{}")),
    ];
    const text = indexText(
      header,
      items.map((e) => JSON.stringify(e)),
    );
    expect(JSON.parse(text)).toEqual({ ...header, items });
    expect(text.split("\n").filter((l) => l.includes('"sha256"'))).toHaveLength(2);
    expect(JSON.parse(indexText(header, []))).toEqual({ ...header, items: [] });
  });

  it("refuses names that cannot be a path segment", () => {
    expect(() => indexEntry(configMapRef("a", ".."), Buffer.from(""))).toThrow(
      'configmaps a/..: name ".." cannot be a path segment',
    );
    expect(() => indexEntry(configMapRef("a/b", "x"), Buffer.from(""))).toThrow(/namespace/);
  });
});
