import type { TestEnvironment } from "@livesync/testkit";
import { Api } from "./convergence.js";

/** What a test file made in both clusters, removed after all its tests. */
export interface Made {
  namespaces: string[];
  crds?: string[];
}

/** The environment's source and destination clusters. */
export function connectSourceAndDestination(env: TestEnvironment): Promise<[Api, Api]> {
  return Promise.all([Api.connect(env, "source"), Api.connect(env, "destination")]);
}

/** Deletes what was made in each cluster and closes it (a cluster never connected is skipped). */
export async function removeMadeAndClose(apis: (Api | undefined)[], made: Made): Promise<void> {
  for (const api of apis) {
    if (!api) continue;
    for (const name of made.namespaces) await api.deleteNamespace(name);
    for (const name of made.crds ?? []) await api.deleteCrd(name);
    api.close();
  }
}
