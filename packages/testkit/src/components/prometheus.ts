import { mkdirSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { httpOk } from "../http.js";
import { freePort } from "../ports.js";
import { waitUntilReady, type ProcessRegistry, type StartedProcess } from "../process.js";

/**
 * Prometheus scraping itself plus whatever the tests add: each JSON file in `targetsDir` is a
 * file_sd target group list (see addScrapeTargets), picked up without a restart.
 */
export async function startPrometheus(
  registry: ProcessRegistry,
  binary: string,
  dir: string,
): Promise<{ url: string; targetsDir: string; process: StartedProcess }> {
  const port = await freePort();
  const targetsDir = join(dir, "targets");
  mkdirSync(targetsDir, { recursive: true });
  const config = join(dir, "prometheus.yml");
  writeFileSync(
    config,
    `global:
  scrape_interval: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: prometheus
    static_configs:
      - targets: ["127.0.0.1:${port}"]
  - job_name: testenv
    file_sd_configs:
      - files: ["${targetsDir}/*.json"]
        refresh_interval: 1s
`,
  );
  const proc = registry.start({
    component: "prometheus",
    binary,
    args: [
      `--config.file=${config}`,
      `--storage.tsdb.path=${join(dir, "data")}`,
      `--web.listen-address=127.0.0.1:${port}`,
      "--web.enable-lifecycle",
    ],
    logFile: join(dir, "prometheus.log"),
  });
  const url = `http://127.0.0.1:${port}`;
  await waitUntilReady(proc, () => httpOk(`${url}/-/ready`), 60_000);
  return { url, targetsDir, process: proc };
}

/** Adds (or replaces) a scrape job; `targets` are host:port strings serving /metrics. */
export function addScrapeTargets(targetsDir: string, job: string, targets: string[]): void {
  const file = join(targetsDir, `${job}.json`);
  writeFileSync(`${file}.tmp`, JSON.stringify([{ targets, labels: { job } }]));
  renameSync(`${file}.tmp`, file); // atomic, so Prometheus never reads half a file
}
