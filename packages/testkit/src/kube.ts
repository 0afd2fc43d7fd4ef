import { randomBytes } from "node:crypto";
import { CoreV1Api, KubeConfig } from "@kubernetes/client-node";
import type { TestEnvironment } from "./env.js";

/** A KubeConfig for one of the environment's clusters ("source", "destination", ...). */
export function kubeConfigFor(env: TestEnvironment, cluster: string): KubeConfig {
  const endpoint = env.clusters[cluster];
  if (!endpoint) {
    throw new Error(
      `no cluster "${cluster}" in the test environment (have: ${Object.keys(env.clusters).join(", ")})`,
    );
  }
  const kc = new KubeConfig();
  kc.loadFromFile(endpoint.kubeconfig);
  return kc;
}

export const TEST_NAMESPACE_LABEL = "testenv.livesync.dev/test";

/**
 * Creates a uniquely named namespace for one test; `remove()` deletes it (the controller-manager
 * finishes the deletion). Names are DNS labels: prefix, then 6 random hex characters.
 */
export async function freshNamespace(
  kc: KubeConfig,
  prefix = "t",
  labels: Record<string, string> = {},
): Promise<{ name: string; remove: () => Promise<void> }> {
  const core = kc.makeApiClient(CoreV1Api);
  const base = prefix
    .toLowerCase()
    .replace(/[^a-z0-9-]/g, "-")
    .slice(0, 50)
    .replace(/-+$/, "");
  const name = `${base}-${randomBytes(3).toString("hex")}`;
  await core.createNamespace({
    body: { metadata: { name, labels: { [TEST_NAMESPACE_LABEL]: "true", ...labels } } },
  });
  return {
    name,
    remove: async () => {
      await core.deleteNamespace({ name }).catch((err: { code?: number }) => {
        if (err.code !== 404) throw err;
      });
    },
  };
}

/** Polls until `check` returns a value (not undefined) or the timeout passes. */
export async function eventually<T>(
  check: () => Promise<T | undefined>,
  {
    timeoutMs = 30_000,
    intervalMs = 100,
    what = "condition",
  }: { timeoutMs?: number; intervalMs?: number; what?: string | (() => string) } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (err) {
      lastError = err;
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  const cause = lastError instanceof Error ? `: last error: ${lastError.message}` : "";
  const subject = typeof what === "function" ? what() : what;
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${subject}${cause}`);
}
