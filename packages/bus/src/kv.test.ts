import { describe, expect, it } from "vitest";
import { kvToken } from "./kv.js";

describe("kvToken: any string as one key token", () => {
  it("keeps names, uids and process ids as they are", () => {
    expect(kvToken("livesync-system")).toBe("livesync-system");
    expect(kvToken("0f8fad5b-d9cb-469f-a165-70867728950e")).toBe(
      "0f8fad5b-d9cb-469f-a165-70867728950e",
    );
    expect(kvToken("host_1-123-a1b2c3")).toBe("host_1-123-a1b2c3");
  });
  it("encodes what would split or break a subject (dots, wildcards, spaces, non-ASCII)", () => {
    expect(kvToken("my.live.sync")).toBe("my=2elive=2esync");
    expect(kvToken("a*b>c d")).toBe("a=2ab=3ec=20d");
    expect(kvToken("é")).toBe("=c3=a9");
    expect(kvToken("")).toBe("=");
    expect(kvToken("=")).toBe("=3d"); // so encoded tokens never collide with plain ones
  });
});
