import { describe, expect, it } from "vitest";
import { isImmutableFieldChange, KubeApiError } from "./errors.js";

/** A Status the apiserver answers a refused apply with (bodies as a real apiserver sends them). */
const refused = (kind: string, causes: { reason: string; message: string; field: string }[]) =>
  KubeApiError.fromResponse(
    "PATCH",
    `/x/${kind}`,
    422,
    JSON.stringify({
      kind: "Status",
      apiVersion: "v1",
      status: "Failure",
      message: `${kind} "x" is invalid: ${causes.map((c) => `${c.field}: ${c.message}`).join(", ")}`,
      reason: "Invalid",
      details: { name: "x", kind, causes },
      code: 422,
    }),
  );

describe("isImmutableFieldChange", () => {
  it("recognises the apiserver's immutable-field refusals by their causes", () => {
    for (const err of [
      refused("ConfigMap", [
        {
          reason: "FieldValueForbidden",
          message: "Forbidden: field is immutable when `immutable` is set",
          field: "data",
        },
      ]),
      refused("Deployment", [
        {
          reason: "FieldValueInvalid",
          message: 'Invalid value: {"matchLabels":{"a":"c"}}: field is immutable',
          field: "spec.selector",
        },
      ]),
      refused("Service", [
        {
          reason: "FieldValueInvalid",
          message: 'Invalid value: ["10.0.0.99"]: may not change once set',
          field: "spec.clusterIPs[0]",
        },
      ]),
      refused("PersistentVolumeClaim", [
        {
          reason: "FieldValueForbidden",
          message: "Forbidden: spec is immutable after creation except resources.requests",
          field: "spec",
        },
      ]),
    ])
      expect(isImmutableFieldChange(err)).toBe(true);
  });

  it("other refusals are not", () => {
    const invalid = refused("Service", [
      {
        reason: "FieldValueInvalid",
        message: 'Invalid value: "RequireDualStack": this cluster is not configured for dual-stack',
        field: "spec.ipFamilyPolicy",
      },
    ]);
    expect(isImmutableFieldChange(invalid)).toBe(false);
    // The word in a name or a message alone decides nothing: only a field cause does.
    const noCauses = new KubeApiError(422, "Invalid", 'ConfigMap "immutable" is invalid');
    expect(isImmutableFieldChange(noCauses)).toBe(false);
    const conflict = new KubeApiError(409, "Conflict", "field is immutable", {
      causes: [{ reason: "FieldValueInvalid", message: "field is immutable" }],
    });
    expect(isImmutableFieldChange(conflict)).toBe(false);
    expect(isImmutableFieldChange(new Error("field is immutable"))).toBe(false);
  });
});
