import { describe, expect, it } from "vitest";
import { writeConditionFor } from "./archiver.js";

describe("writeConditionFor: a PUT lands only on the state the decision was made from", () => {
  it("no object read: only where there still is none", () => {
    expect(writeConditionFor(undefined)).toEqual({ ifNoneMatch: "*" });
  });
  it("an object read: only over its ETag", () => {
    expect(writeConditionFor({ metadata: {}, etag: '"abc"' })).toEqual({ ifMatch: '"abc"' });
  });
  it("a server that gave no ETag: unconditional (the HEAD-then-PUT guard alone)", () => {
    expect(writeConditionFor({ metadata: { deleted: "false" } })).toBeUndefined();
  });
});
