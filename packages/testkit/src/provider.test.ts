import { describe, expect, it } from "vitest";
import { PlanError, planEnvironment } from "./provider.js";

const kube = {
  LIVESYNC_SOURCE_KUBECONFIG: "/k/src",
  LIVESYNC_DESTINATION_KUBECONFIG: "/k/dst",
};

describe("planEnvironment", () => {
  it("starts everything from binaries by default, even when Docker answers", () => {
    expect(planEnvironment({ env: {}, dockerAvailable: true })).toEqual({
      clusters: "binaries",
      nats: "binaries",
      s3: "binaries",
      prometheus: "binaries",
    });
  });

  it("uses containers in auto mode only when a Docker engine answers", () => {
    const env = { LIVESYNC_TESTENV_PROVIDER: "auto" };
    expect(planEnvironment({ env, dockerAvailable: true }).nats).toBe("containers");
    expect(planEnvironment({ env, dockerAvailable: false }).nats).toBe("binaries");
  });

  it("refuses containers without a Docker engine, saying why", () => {
    expect(() =>
      planEnvironment({ env: { LIVESYNC_TESTENV_PROVIDER: "containers" }, dockerAvailable: false }),
    ).toThrow(/no Docker engine/);
  });

  it("takes external clusters and starts the rest", () => {
    expect(planEnvironment({ env: kube, dockerAvailable: false })).toEqual({
      clusters: "external",
      nats: "binaries",
      s3: "binaries",
      prometheus: "binaries",
    });
  });

  it("rejects a half-configured external component, naming the missing variable", () => {
    expect(() =>
      planEnvironment({
        env: { LIVESYNC_SOURCE_KUBECONFIG: "/k/src" },
        dockerAvailable: false,
      }),
    ).toThrow(/LIVESYNC_DESTINATION_KUBECONFIG missing/);
  });

  it("rejects an unknown provider", () => {
    expect(() =>
      planEnvironment({ env: { LIVESYNC_TESTENV_PROVIDER: "kind" }, dockerAvailable: true }),
    ).toThrow(PlanError);
  });

  it("uses an external NATS alongside containers for the rest", () => {
    const plan = planEnvironment({
      env: { LIVESYNC_TESTENV_PROVIDER: "containers", LIVESYNC_NATS_URL: "nats://x:4222" },
      dockerAvailable: true,
    });
    expect(plan).toEqual({
      clusters: "containers",
      nats: "external",
      s3: "containers",
      prometheus: "containers",
    });
  });
});
