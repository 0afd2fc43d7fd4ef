import { execFileSync } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { httpOk } from "../http.js";
import { freePort } from "../ports.js";
import { waitUntilReady, type ProcessRegistry, type StartedProcess } from "../process.js";

/**
 * Prometheus scraping itself plus whatever the tests add: each JSON file in `targetsDir` is a
 * file_sd target group list (see addScrapeTargets), picked up without a restart; whole scrape
 * jobs (e.g. Kubernetes service discovery of pods) and alerting rules are added with
 * addScrapeJob and loadAlertRules, which rewrite the configuration and reload it.
 */
export async function startPrometheus(
  registry: ProcessRegistry,
  binary: string,
  dir: string,
): Promise<{ url: string; targetsDir: string; process: StartedProcess }> {
  const port = await freePort();
  const targetsDir = join(dir, "targets");
  for (const sub of ["targets", "rules", "jobs"]) mkdirSync(join(dir, sub), { recursive: true });
  writeConfig(dir, port);
  const proc = registry.start({
    component: "prometheus",
    binary,
    args: [
      `--config.file=${join(dir, "prometheus.yml")}`,
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

// Prometheus 2.42 (Debian's) has no scrape_config_files: extra jobs are JSON fragments in
// jobs/ spliced into the one configuration file (YAML is a superset of JSON).
function writeConfig(dir: string, port: number | string): void {
  const jobsDir = join(dir, "jobs");
  const jobs = readdirSync(jobsDir)
    .filter((f) => f.endsWith(".json"))
    .sort()
    .map((f) => `  - ${readFileSync(join(jobsDir, f), "utf8")}\n`);
  const config = `global:
  scrape_interval: 1s
  evaluation_interval: 1s
rule_files: ["${join(dir, "rules")}/*.yml"]
scrape_configs:
  - job_name: prometheus
    static_configs:
      - targets: ["127.0.0.1:${port}"]
  - job_name: testenv
    file_sd_configs:
      - files: ["${join(dir, "targets")}/*.json"]
        refresh_interval: 1s
${jobs.join("")}`;
  writeFileSync(join(dir, "prometheus.yml.tmp"), config);
  renameSync(join(dir, "prometheus.yml.tmp"), join(dir, "prometheus.yml"));
}

/** Adds (or replaces) a scrape job; `targets` are host:port strings serving /metrics. */
export function addScrapeTargets(targetsDir: string, job: string, targets: string[]): void {
  const file = join(targetsDir, `${job}.json`);
  writeFileSync(`${file}.tmp`, JSON.stringify([{ targets, labels: { job } }]));
  renameSync(`${file}.tmp`, file); // atomic, so Prometheus never reads half a file
}

export interface PrometheusHandle {
  url: string;
  targetsDir?: string;
}

// Job names such as serviceMonitor/<ns>/<name> are not file names.
const jobFile = (dir: string, job: string) =>
  join(dir, "jobs", `${job.replace(/[^\w.-]/g, "_")}.json`);

function prometheusDir(prometheus: PrometheusHandle): string {
  if (!prometheus.targetsDir) throw new Error("this Prometheus was not started by the testkit");
  const dir = dirname(prometheus.targetsDir);
  for (const sub of ["jobs", "rules"]) mkdirSync(join(dir, sub), { recursive: true });
  return dir;
}

/**
 * Adds (or replaces) a whole scrape job (a Prometheus scrape_config object, job_name included)
 * and reloads; it is checked by Prometheus itself, a bad job fails the reload.
 */
export async function addScrapeJob(
  prometheus: PrometheusHandle,
  job: { job_name: string } & Record<string, unknown>,
): Promise<void> {
  const dir = prometheusDir(prometheus);
  writeFileSync(jobFile(dir, job.job_name), JSON.stringify(job));
  writeConfig(dir, new URL(prometheus.url).port);
  await reload(prometheus);
}

/** Removes a job added by addScrapeJob (a missing one is fine). */
export async function removeScrapeJob(
  prometheus: PrometheusHandle,
  jobName: string,
): Promise<void> {
  const dir = prometheusDir(prometheus);
  rmSync(jobFile(dir, jobName), { force: true });
  writeConfig(dir, new URL(prometheus.url).port);
  await reload(prometheus);
}

/**
 * Loads alerting/recording rule groups (the `groups` of a rules file or a PrometheusRule's
 * spec) under `name`: checked with `promtool check rules` first, like a user would, then
 * reloaded.
 */
export async function loadAlertRules(
  prometheus: PrometheusHandle,
  name: string,
  groups: unknown[],
): Promise<void> {
  const dir = prometheusDir(prometheus);
  const file = join(dir, "rules", `${name}.yml`);
  const candidate = join(dir, `${name}.candidate.yml`);
  writeFileSync(candidate, JSON.stringify({ groups }));
  try {
    execFileSync("promtool", ["check", "rules", candidate], { encoding: "utf8", stdio: "pipe" });
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string };
    throw new Error(`promtool check rules refused ${name}: ${e.stdout ?? ""}${e.stderr ?? ""}`);
  }
  renameSync(candidate, file);
  writeConfig(dir, new URL(prometheus.url).port);
  await reload(prometheus);
}

async function reload(prometheus: PrometheusHandle): Promise<void> {
  const res = await fetch(`${prometheus.url}/-/reload`, { method: "POST" });
  if (!res.ok) throw new Error(`Prometheus refused the new configuration: ${await res.text()}`);
}
