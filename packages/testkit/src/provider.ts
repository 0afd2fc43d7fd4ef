/**
 * Decides where each component of the test environment comes from. Pure, so it is unit-tested:
 * - a component the user points at through environment variables is used as it is (external);
 * - otherwise it is started here, from the Go-built binaries, or with testcontainers when the
 *   user asks for containers (or asks for "auto" and a Docker engine answers).
 */
export type Component = "clusters" | "nats" | "s3" | "prometheus";
export type Source = "external" | "binaries" | "containers";
export type Plan = Record<Component, Source>;

export const COMPONENTS: readonly Component[] = ["clusters", "nats", "s3", "prometheus"];

/** The environment variables that point at components the user already runs. */
export const EXTERNAL_VARS: Record<Component, readonly string[]> = {
  clusters: ["LIVESYNC_SOURCE_KUBECONFIG", "LIVESYNC_DESTINATION_KUBECONFIG"],
  nats: ["LIVESYNC_NATS_URL"],
  s3: [
    "LIVESYNC_S3_ENDPOINT",
    "LIVESYNC_S3_BUCKET",
    "LIVESYNC_S3_ACCESS_KEY_ID",
    "LIVESYNC_S3_SECRET_ACCESS_KEY",
  ],
  prometheus: ["LIVESYNC_PROMETHEUS_URL"],
};

export interface PlanInput {
  env: Record<string, string | undefined>;
  dockerAvailable: boolean;
}

export class PlanError extends Error {}

export function planEnvironment({ env, dockerAvailable }: PlanInput): Plan {
  const requested = (env.LIVESYNC_TESTENV_PROVIDER ?? "binaries").toLowerCase();
  let started: Source;
  switch (requested) {
    case "binaries":
      started = "binaries";
      break;
    case "containers":
      if (!dockerAvailable) {
        throw new PlanError(
          "LIVESYNC_TESTENV_PROVIDER=containers, but no Docker engine answers (DOCKER_HOST or /var/run/docker.sock)",
        );
      }
      started = "containers";
      break;
    case "auto":
      started = dockerAvailable ? "containers" : "binaries";
      break;
    default:
      throw new PlanError(
        `LIVESYNC_TESTENV_PROVIDER=${requested}: expected one of binaries, containers, auto`,
      );
  }

  const plan = {} as Plan;
  for (const component of COMPONENTS) {
    const vars = EXTERNAL_VARS[component];
    const set = vars.filter((v) => env[v]);
    if (set.length === vars.length) plan[component] = "external";
    else if (set.length === 0) plan[component] = started;
    else {
      const missing = vars.filter((v) => !env[v]);
      throw new PlanError(
        `${component}: ${set.join(", ")} set but ${missing.join(", ")} missing; set all or none`,
      );
    }
  }
  return plan;
}
