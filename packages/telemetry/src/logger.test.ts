import { describe, expect, it } from "vitest";
import { createLogger } from "./logger.js";

describe("createLogger", () => {
  it("writes JSON lines and redacts credentials wherever they appear", () => {
    const lines: string[] = [];
    const log = createLogger("test", "info", { write: (l) => void lines.push(l) });
    log.info(
      {
        cluster: { name: "source", token: "abc123", kubeconfig: "apiVersion: v1…" },
        bucket: { accessKeyID: "AKIA", secretAccessKey: "s3cr3t" },
        secret: { data: { password: "cGFzcw==" } },
      },
      "connected",
    );
    const entry = JSON.parse(lines[0]!) as Record<string, Record<string, unknown>>;
    expect(entry.msg).toBe("connected");
    expect(entry.cluster).toEqual({
      name: "source",
      token: "[redacted]",
      kubeconfig: "[redacted]",
    });
    expect(entry.bucket).toEqual({ accessKeyID: "[redacted]", secretAccessKey: "[redacted]" });
    expect(entry.secret).toEqual({ data: "[redacted]" });
    expect(lines.join("")).not.toMatch(/abc123|s3cr3t|AKIA|cGFzcw/);
  });
});
