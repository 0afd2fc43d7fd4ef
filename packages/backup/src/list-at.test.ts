import { describe, expect, it } from "vitest";
import { KubeApiError } from "@livesync/kube";
import { isCompacted, pageQuery } from "./list-at.js";

describe("pageQuery", () => {
  it("pins the first page to the revision exactly; continue pages carry only the token", () => {
    expect(pageQuery({ resourceVersion: "7" }, undefined)).toEqual({
      limit: 500,
      resourceVersion: "7",
      resourceVersionMatch: "Exact",
    });
    expect(pageQuery({ resourceVersion: "7" }, "tok")).toEqual({ limit: 500, continue: "tok" });
  });
  it("without a revision: a fresh consistent list", () => {
    expect(pageQuery({}, undefined)).toEqual({
      limit: 500,
      resourceVersion: undefined,
      resourceVersionMatch: undefined,
    });
  });
});

describe("isCompacted", () => {
  it("410 Gone and 'too old resource version'", () => {
    expect(isCompacted(new KubeApiError(410, "Expired", "too old resource version: 5 (9)"))).toBe(
      true,
    );
    expect(
      isCompacted(
        new KubeApiError(
          500,
          "InternalError",
          "etcdserver: mvcc: required revision has been compacted",
        ),
      ),
    ).toBe(true);
    expect(isCompacted(new KubeApiError(404, "NotFound", "not found"))).toBe(false);
    expect(isCompacted(new Error("too old resource version"))).toBe(false);
  });
});
