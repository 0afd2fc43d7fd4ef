/**
 * Monitoring of the chart's pods as a user of the Prometheus Operator runs it, with the test
 * environment's real Prometheus: the scrape job its ServiceMonitor becomes (Kubernetes service
 * discovery of the metrics Services, the pods scraped on the pod network), the PrometheusRule's
 * groups loaded after `promtool check rules`, and the Grafana dashboard's panel queries.
 */
import { execFileSync } from "node:child_process";
import {
  addScrapeJob,
  CHART_NAMESPACE,
  chartDir,
  helmBinary,
  loadAlertRules,
  type TestEnvironment,
} from "@livesync/testkit";
import { parseAllDocuments } from "yaml";

interface Rendered {
  kind: string;
  metadata: { name: string };
  spec?: Record<string, unknown>;
  data?: Record<string, string>;
}

/** The chart's monitoring objects, rendered by `helm template` with monitoring on. */
export function renderMonitoring(values: Record<string, string>): {
  serviceMonitor: Rendered;
  rule: Rendered;
  dashboard: { panels: { title: string; targets?: { expr: string }[] }[] };
} {
  const set = Object.entries({ "monitoring.enabled": "true", ...values }).flatMap(([k, v]) => [
    "--set",
    `${k}=${v}`,
  ]);
  const text = execFileSync(
    helmBinary(),
    ["template", "livesync", chartDir(), "--namespace", CHART_NAMESPACE, ...set],
    { encoding: "utf8" },
  );
  const objects = parseAllDocuments(text)
    .map((d) => d.toJS() as Rendered | null)
    .filter((o): o is Rendered => !!o);
  const one = (kind: string) => {
    const o = objects.find((x) => x.kind === kind && x.metadata.name.startsWith("livesync"));
    if (!o) throw new Error(`the chart rendered no ${kind}`);
    return o;
  };
  const dashboards = objects.filter(
    (o) => o.kind === "ConfigMap" && o.metadata.name.endsWith("dashboard"),
  );
  const json = Object.values(dashboards[0]?.data ?? {})[0];
  if (!json) throw new Error("the chart rendered no dashboard ConfigMap");
  return {
    serviceMonitor: one("ServiceMonitor"),
    rule: one("PrometheusRule"),
    dashboard: JSON.parse(json) as ReturnType<typeof renderMonitoring>["dashboard"],
  };
}

interface ServiceMonitorSpec {
  namespaceSelector: { matchNames: string[] };
  selector: { matchLabels: Record<string, string> };
  endpoints: {
    port: string;
    path: string;
    relabelings?: { sourceLabels: string[]; targetLabel: string }[];
  }[];
}

const metaLabel = (label: string) => label.replace(/[^a-zA-Z0-9_]/g, "_");

/**
 * The scrape job the Prometheus Operator generates for the ServiceMonitor: endpoints of the
 * selected Services, their named port, the target labels it adds (namespace, service, pod) and
 * the ServiceMonitor's own relabelings.
 */
export function scrapeJobOf(serviceMonitor: Rendered, kubeconfigFile: string) {
  const spec = serviceMonitor.spec as unknown as ServiceMonitorSpec;
  const endpoint = spec.endpoints[0]!;
  const keep = Object.entries(spec.selector.matchLabels).map(([k, v]) => ({
    source_labels: [`__meta_kubernetes_service_label_${metaLabel(k)}`],
    regex: v,
    action: "keep",
  }));
  const copy = (from: string, to: string) => ({ source_labels: [from], target_label: to });
  return {
    job_name: `serviceMonitor/${CHART_NAMESPACE}/${serviceMonitor.metadata.name}`,
    scrape_interval: "2s",
    metrics_path: endpoint.path,
    kubernetes_sd_configs: [
      {
        role: "endpoints",
        kubeconfig_file: kubeconfigFile,
        namespaces: { names: spec.namespaceSelector.matchNames },
      },
    ],
    relabel_configs: [
      ...keep,
      {
        source_labels: ["__meta_kubernetes_endpoint_port_name"],
        regex: endpoint.port,
        action: "keep",
      },
      copy("__meta_kubernetes_namespace", "namespace"),
      copy("__meta_kubernetes_service_name", "service"),
      copy("__meta_kubernetes_pod_name", "pod"),
      ...(endpoint.relabelings ?? []).map((r) => copy(r.sourceLabels.join(";"), r.targetLabel)),
    ],
  };
}

/** Points the environment's Prometheus at the chart's pods and loads its alerting rules. */
export async function monitorChart(env: TestEnvironment, values: Record<string, string>) {
  const rendered = renderMonitoring(values);
  const kubeconfig = env.clusters.management!.kubeconfig;
  await addScrapeJob(env.prometheus, scrapeJobOf(rendered.serviceMonitor, kubeconfig));
  await loadAlertRules(env.prometheus, "livesync-chart", rendered.rule.spec!.groups as unknown[]);
  return rendered;
}

export interface Sample {
  metric: Record<string, string>;
  value: [number, string];
}

export async function query(env: TestEnvironment, expr: string): Promise<Sample[]> {
  const url = `${env.prometheus.url}/api/v1/query?query=${encodeURIComponent(expr)}`;
  const body = (await (await fetch(url)).json()) as {
    status: string;
    error?: string;
    data?: { resultType: string; result: Sample[] | [number, string] };
  };
  if (body.status !== "success") throw new Error(`${expr}: ${body.error}`);
  const result = body.data!.result;
  // A scalar result is one value.
  return body.data!.resultType === "scalar"
    ? [{ metric: {}, value: result as [number, string] }]
    : (result as Sample[]);
}

/** The alerts Prometheus holds now (pending or firing), by name. */
export async function alerts(env: TestEnvironment, name: string) {
  const body = (await (await fetch(`${env.prometheus.url}/api/v1/alerts`)).json()) as {
    data: { alerts: { labels: Record<string, string>; state: string }[] };
  };
  return body.data.alerts.filter((a) => a.labels.alertname === name);
}

/** Every panel query of the dashboard with Grafana's variables as a user would pick them. */
export function panelQueries(
  dashboard: ReturnType<typeof renderMonitoring>["dashboard"],
  vars: Record<string, string>,
): { title: string; expr: string }[] {
  return dashboard.panels.flatMap((p) =>
    (p.targets ?? []).map((t) => ({
      title: p.title,
      expr: t.expr.replace(/\$\{?(\w+)\}?/g, (m, v: string) => vars[v] ?? m),
    })),
  );
}
