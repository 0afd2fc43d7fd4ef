import { describe, expect, it } from "vitest";
import { normalizedImage, podReachable } from "./chart.js";
import type { TestEnvironment } from "./env.js";

describe("normalizedImage", () => {
  it("names images as containerd's CRI looks them up", () => {
    expect(normalizedImage("livesync:0.1.0")).toBe("docker.io/library/livesync:0.1.0");
    expect(normalizedImage("acme/livesync:1")).toBe("docker.io/acme/livesync:1");
    expect(normalizedImage("localhost/livesync-pause:1")).toBe("localhost/livesync-pause:1");
    expect(normalizedImage("ghcr.io/acme/livesync:1")).toBe("ghcr.io/acme/livesync:1");
    expect(normalizedImage("registry:5000/livesync:1")).toBe("registry:5000/livesync:1");
  });
});

describe("podReachable", () => {
  const env = { node: { address: "192.0.2.2" } } as TestEnvironment;

  it("replaces loopback with the machine's address in URLs and kubeconfigs", () => {
    expect(podReachable("nats://127.0.0.1:4222", env)).toBe("nats://192.0.2.2:4222");
    expect(podReachable("http://localhost:9000/x", env)).toBe("http://192.0.2.2:9000/x");
    const kubeconfig = "server: https://127.0.0.1:6443\n---\nserver: https://127.0.0.1:7443\n";
    expect(podReachable(kubeconfig, env)).toBe(
      "server: https://192.0.2.2:6443\n---\nserver: https://192.0.2.2:7443\n",
    );
  });

  it("refuses without a node", () => {
    expect(() => podReachable("nats://127.0.0.1:1", {} as TestEnvironment)).toThrow(/no node/);
  });
});
