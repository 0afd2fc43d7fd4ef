/**
 * Observability: the engine's /metrics scraped by the real Prometheus, and health endpoints.
 */
import { CoreV1Api } from "@kubernetes/client-node";
import { afterAll, describe, expect, inject, it } from "vitest";
import { startTelemetry } from "@livesync/telemetry";
import { addScrapeTargets, eventually, kubeConfigFor } from "@livesync/testkit";
import { Engine, registerEngineMetrics } from "../src/index.js";
import { manifestsFor, uniq } from "../src/testing.js";

const env = inject("testenv");
const srcCore = kubeConfigFor(env, "source").makeApiClient(CoreV1Api);
const cleanup: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const c of cleanup.reverse()) await c().catch(() => undefined);
});

describe("metrics", () => {
  it.runIf(env.prometheus.targetsDir)(
    "exposes per-LiveSynchronization state that Prometheus scrapes",
    async () => {
      const ns = uniq("met");
      await srcCore.createNamespace({ body: { metadata: { name: ns } } });
      cleanup.push(() => srcCore.deleteNamespace({ name: ns }));
      for (const name of ["met-a", "met-b"]) {
        await srcCore.createNamespacedConfigMap({
          namespace: ns,
          body: { metadata: { name }, data: { v: "1" } },
        });
      }
      const lsName = uniq("met");
      const engine = await Engine.start(
        manifestsFor(env, [
          {
            name: lsName,
            resources: [
              {
                version: "v1",
                resource: "configmaps",
                filters: { nameSelector: { regex: ["met-.*"] } },
              },
            ],
          },
        ]),
      );
      cleanup.push(() => engine.stop());
      const telemetry = await startTelemetry({ port: 0, ready: async () => true });
      cleanup.push(() => telemetry.close());
      registerEngineMetrics(telemetry.registry, engine);
      expect(await (await fetch(`http://${telemetry.address}/healthz`)).text()).toBe("ok\n");
      expect((await fetch(`http://${telemetry.address}/readyz`)).status).toBe(200);

      const job = uniq("livesync");
      addScrapeTargets(env.prometheus.targetsDir!, job, [telemetry.address]);
      cleanup.push(async () => addScrapeTargets(env.prometheus.targetsDir!, job, []));
      const query = encodeURIComponent(
        `livesync_synced_objects{job="${job}",live_sync="livesync-system/${lsName}"}`,
      );
      const value = await eventually(
        async () => {
          const body = (await (
            await fetch(`${env.prometheus.url}/api/v1/query?query=${query}`)
          ).json()) as {
            data: { result: { value: [number, string] }[] };
          };
          const v = body.data.result[0]?.value[1];
          return v === "2" ? v : undefined;
        },
        { timeoutMs: 45_000, what: "Prometheus to see 2 synced objects" },
      );
      expect(value).toBe("2");
    },
  );
});
