import { describe, expect, it } from "vitest";
import { namespaceVerdict, type NamespaceObject } from "./namespace-janitor.js";

const obj = (key: string, kind: Partial<NamespaceObject> = {}): NamespaceObject => ({
  key,
  ours: false,
  perNamespaceDefault: false,
  dependent: false,
  ...kind,
});

describe("namespaceVerdict", () => {
  it("deletes a namespace that holds only the cluster's per-namespace defaults", () => {
    const defaults = [
      obj("configmaps/kube-root-ca.crt", { perNamespaceDefault: true }),
      obj("serviceaccounts/default", { perNamespaceDefault: true }),
    ];
    expect(namespaceVerdict(defaults)).toEqual({ action: "delete" });
    expect(namespaceVerdict([])).toEqual({ action: "delete" });
  });

  it("waits while our copies, or objects owned by them, are still there", () => {
    expect(namespaceVerdict([obj("deployments/web", { ours: true })])).toEqual({
      action: "wait",
      reason: "still being removed: 1 of its objects",
    });
    expect(namespaceVerdict([obj("replicasets/web-1", { dependent: true })]).action).toBe("wait");
  });

  it("keeps a namespace holding anything livesync did not create, and names it", () => {
    const verdict = namespaceVerdict([
      obj("deployments/web", { ours: true }),
      obj("configmaps/hand-made"),
    ]);
    expect(verdict).toEqual({
      action: "keep",
      reason: "it holds objects livesync did not create (configmaps/hand-made)",
    });
  });

  it("names at most three foreign objects", () => {
    const many = ["a", "b", "c", "d"].map((n) => obj(`secrets/${n}`));
    const verdict = namespaceVerdict(many);
    expect(verdict.action === "keep" && verdict.reason).toBe(
      "it holds objects livesync did not create (secrets/a, secrets/b, secrets/c, …)",
    );
  });
});
