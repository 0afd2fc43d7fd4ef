import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ComponentStartError, ProcessRegistry, isAlive, waitUntilReady } from "./process.js";

const tmp = () => mkdtempSync(join(tmpdir(), "testkit-process-"));

describe("component processes", () => {
  it("reports which component failed, its command and the end of its log", async () => {
    const dir = tmp();
    const registry = new ProcessRegistry(join(dir, "pids"));
    const proc = registry.start({
      component: "fake-etcd",
      binary: "sh",
      args: ["-c", "echo starting; echo 'bind: address already in use' >&2; exit 3"],
      logFile: join(dir, "fake.log"),
    });
    const error = await waitUntilReady(proc, async () => false, 5_000).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ComponentStartError);
    const message = (error as Error).message;
    expect(message).toContain("fake-etcd failed to start: process exited");
    expect(message).toContain("command: sh -c echo starting;");
    expect(message).toContain("bind: address already in use");
    await registry.stopAll();
  });

  it("reports a component that never becomes ready, with the last probe error", async () => {
    const dir = tmp();
    const registry = new ProcessRegistry(join(dir, "pids"));
    const proc = registry.start({
      component: "slow",
      binary: "sleep",
      args: ["30"],
      logFile: join(dir, "slow.log"),
    });
    const error = await waitUntilReady(
      proc,
      async () => {
        throw new Error("connection refused");
      },
      300,
    ).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(
      /not ready after 300 ms \(last probe error: connection refused\)/,
    );
    await registry.stopAll();
    expect(isAlive(proc.pid)).toBe(false);
  });

  it("stops every registered process, children included, and forgets them", async () => {
    const dir = tmp();
    const registry = new ProcessRegistry(join(dir, "pids"));
    const parent = registry.start({
      component: "parent",
      binary: "sh",
      args: ["-c", "sleep 60 & echo $! > child.pid; wait"],
      logFile: join(dir, "parent.log"),
      cwd: dir,
    });
    const { readFileSync, existsSync } = await import("node:fs");
    const childPidFile = join(dir, "child.pid");
    while (!existsSync(childPidFile) || !readFileSync(childPidFile, "utf8").trim()) {
      await new Promise((r) => setTimeout(r, 20));
    }
    const child = Number(readFileSync(childPidFile, "utf8"));
    expect(registry.list().map((p) => p.pid)).toEqual([parent.pid]);
    await registry.stopAll();
    expect(isAlive(parent.pid)).toBe(false);
    // The orphaned child is reaped by init, not by us: give that a moment under load.
    for (let i = 0; i < 50 && isAlive(child); i++) await new Promise((r) => setTimeout(r, 20));
    expect(isAlive(child)).toBe(false);
    expect(registry.list()).toEqual([]);
  });
});
