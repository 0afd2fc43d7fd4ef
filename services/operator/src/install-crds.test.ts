import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { CRDS_DIR, isEstablished, readCrds } from "./install-crds.js";

describe("readCrds", () => {
  it("reads every CRD that deploy/crds/kustomization.yaml lists, and nothing else", () => {
    const listed = readFileSync(new URL("kustomization.yaml", CRDS_DIR), "utf8")
      .split("\n")
      .filter((l) => l.trim().startsWith("- "))
      .map((l) => l.trim().slice(2));
    const crds = readCrds();
    expect(crds.map((c) => `${c.metadata.name}.yaml`)).toEqual([...listed].sort());
    for (const c of crds) expect(c.kind).toBe("CustomResourceDefinition");
  });

  it("keeps the schema keys a typed client would drop", () => {
    const text = JSON.stringify(readCrds());
    expect(text).toContain('"enum"');
    expect(text).toContain('"x-kubernetes-');
  });
});

describe("isEstablished", () => {
  it("needs Established=True", () => {
    const crd = readCrds()[0]!;
    expect(isEstablished(crd)).toBe(false);
    const withConditions = (status: string) => ({
      ...crd,
      status: {
        conditions: [
          { type: "NamesAccepted", status: "True" },
          { type: "Established", status },
        ],
      },
    });
    expect(isEstablished(withConditions("False"))).toBe(false);
    expect(isEstablished(withConditions("True"))).toBe(true);
  });
});
