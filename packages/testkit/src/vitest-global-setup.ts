import type { TestProject } from "vitest/node";
import { down, up } from "./environment.js";

/**
 * Starts the real test environment once for the integration project (or reuses a live one, or
 * the user's external endpoints), hands it to tests via `inject("testenv")`, and stops what it
 * started unless LIVESYNC_TESTENV_KEEP=1.
 */
export default async function setup(project: TestProject) {
  const result = await up();
  console.log(
    `testenv ${result.startedHere ? "started" : "reused"} in ${result.seconds.toFixed(1)} s ` +
      `(${result.env.provider}; clusters: ${Object.keys(result.env.clusters).join(", ")})`,
  );
  project.provide("testenv", result.env);
  return async () => {
    if (result.startedHere && process.env.LIVESYNC_TESTENV_KEEP !== "1") await down();
  };
}
