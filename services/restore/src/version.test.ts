import { describe, expect, it } from "vitest";
import { UnsupportedFormatError } from "@livesync/backup";
import { checkRestorable, VersionSkewError } from "./version.js";

const index = (format: string, kubernetesVersion: string) => ({
  backup: "b1",
  format,
  kubernetesVersion,
});

describe("checkRestorable", () => {
  it("accepts the same or a neighbouring minor, refuses two minors apart naming both versions", () => {
    expect(() => checkRestorable(index("1.0.0", "v1.35.4"), "v1.35.0", false)).not.toThrow();
    expect(() => checkRestorable(index("1.3.0", "v1.34.1"), "v1.35.0", false)).not.toThrow();
    expect(() => checkRestorable(index("1.0.0", "v1.33.1"), "v1.35.0", false)).toThrow(
      VersionSkewError,
    );
    expect(() => checkRestorable(index("1.0.0", "v1.33.1"), "v1.35.0", false)).toThrow(
      /v1\.33\.1.*v1\.35\.0/,
    );
  });

  it("accepts any skew when allowed, never a newer major format", () => {
    expect(() => checkRestorable(index("1.0.0", "v1.30.0"), "v1.35.0", true)).not.toThrow();
    expect(() => checkRestorable(index("2.0.0", "v1.35.0"), "v1.35.0", true)).toThrow(
      UnsupportedFormatError,
    );
  });
});
