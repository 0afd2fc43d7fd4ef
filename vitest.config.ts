import { defineConfig } from "vitest/config";

// Two projects: fast pure unit tests, and integration tests against the real test environment
// (kube-apiservers, etcd, NATS JetStream, S3, Prometheus) that packages/testkit starts once.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: "unit",
          include: ["packages/*/src/**/*.test.ts", "services/*/src/**/*.test.ts"],
        },
      },
      {
        test: {
          name: "integration",
          include: ["packages/*/test/**/*.test.ts", "services/*/test/**/*.test.ts"],
          globalSetup: ["packages/testkit/src/vitest-global-setup.ts"],
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
