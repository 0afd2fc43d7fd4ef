import { describe, expect, it } from "vitest";
import { parseSelector, specFromFlags } from "./create-spec.js";

describe("parseSelector", () => {
  it("reads kubectl's equality-based terms", () => {
    expect(parseSelector("app=web,tier==db")).toEqual({ matchLabels: { app: "web", tier: "db" } });
    expect(parseSelector("env!=prod,example.com/keep,!tmp")).toEqual({
      matchExpressions: [
        { key: "env", operator: "NotIn", values: ["prod"] },
        { key: "example.com/keep", operator: "Exists" },
        { key: "tmp", operator: "DoesNotExist" },
      ],
    });
  });
  it("names a term it cannot read", () => {
    expect(() => parseSelector("app=web,=x")).toThrow('--selector: cannot read "=x"');
    expect(() => parseSelector("a b=c")).toThrow("cannot read");
  });
});

describe("specFromFlags", () => {
  it("maps the flags onto the Backup spec", () => {
    expect(
      specFromFlags({
        source: "prod",
        bucket: "archive",
        includeNamespaces: "a,b",
        excludeNamespaces: "c",
        selector: "app=web",
        includeClusterResources: true,
        ttl: "24h",
        encryptionSecret: "backup-key",
      }),
    ).toEqual({
      sourceName: "prod",
      bucketName: "archive",
      includedNamespaces: ["a", "b"],
      excludedNamespaces: ["c"],
      labelSelector: { matchLabels: { app: "web" } },
      includeClusterResources: true,
      ttl: "24h",
      encryption: { secretName: "backup-key" },
    });
    expect(specFromFlags({ source: "prod" })).toEqual({ sourceName: "prod" });
  });
  it("refuses a namespace that is not one", () => {
    expect(() => specFromFlags({ source: "s", includeNamespaces: "a,B_x" })).toThrow(
      '--include-namespaces: "B_x" is not a namespace name',
    );
  });
});
