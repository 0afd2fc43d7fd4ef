// `testenv chart`: the Helm chart installed (or upgraded) into the management cluster's node
// with images imported into the node's containerd, every pod Ready before it returns.

import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { CoreV1Api, KubeConfig, type V1Pod } from "@kubernetes/client-node";
import { helmBinary } from "./binaries.js";
import { readEnvFile, repoRoot, testenvDir, type TestEnvironment } from "./env.js";
import { ctr, nodePaths } from "./node/containerd.js";
import { lastLines, sleep } from "./process.js";

export const CHART_NAMESPACE = "livesync-system";
export const CHART_RELEASE = "livesync";
export const chartDir = () => join(repoRoot(), "deploy", "helm", "livesync");

export interface ChartInstall {
  release: string;
  namespace: string;
  image: string;
  revision: number;
  seconds: number;
  pods: { name: string; ready: boolean; ip: string; image: string }[];
}

export interface ChartOptions {
  /** The environment (default: env.json of LIVESYNC_TESTENV_DIR or .testenv). */
  env?: TestEnvironment;
  /** repository:tag; default livesync:<the chart's appVersion>, as `pnpm image` tags it. */
  image?: string;
  /** More `--set` values (key -> value), e.g. replica counts or `nats.deploy`. */
  values?: Record<string, string | number | boolean>;
  timeoutSeconds?: number;
  log?: (line: string) => void;
}

/** A test environment address as a pod sees it: loopback becomes the machine's address. */
export function podReachable(text: string, env: TestEnvironment): string {
  if (!env.node) throw new Error("the test environment has no node (testenv up --node)");
  return text.replace(/\/\/(127\.0\.0\.1|localhost)([:/])/g, `//${env.node.address}$2`);
}

/** `helm uninstall`: the chart's CRDs (and so every livesync object) stay, as Helm keeps them. */
export function uninstallChart(env: TestEnvironment): void {
  const kubeconfig = env.clusters.management!.kubeconfig;
  const args = ["uninstall", CHART_RELEASE, "--namespace", CHART_NAMESPACE, "--wait"];
  const helm = spawnSync(helmBinary(), [...args, "--kubeconfig", kubeconfig], { encoding: "utf8" });
  if (helm.status !== 0) throw new Error(`helm uninstall failed: ${helm.stderr.trim()}`);
}

/** docker.io/library/livesync:0.1.0 for livesync:0.1.0: the name containerd's CRI looks up. */
export function normalizedImage(ref: string): string {
  const first = ref.split("/")[0]!;
  const hasDomain =
    ref.includes("/") && (first.includes(".") || first.includes(":") || first === "localhost");
  if (hasDomain) return ref;
  return ref.includes("/") ? `docker.io/${ref}` : `docker.io/library/${ref}`;
}

export function appVersion(): string {
  const chart = readFileSync(join(chartDir(), "Chart.yaml"), "utf8");
  const m = /^appVersion:\s*"?([^"\n]+)"?/m.exec(chart);
  if (!m) throw new Error(`${join(chartDir(), "Chart.yaml")} has no appVersion`);
  return m[1]!;
}

/** `helm upgrade --install` with the environment's NATS, then waits for every pod to be Ready. */
export async function installChart(o: ChartOptions = {}): Promise<ChartInstall> {
  const began = Date.now();
  const env = o.env ?? readEnvFile(testenvDir());
  if (!env?.node) {
    throw new Error(
      `the test environment (${testenvDir()}) has no node: start it with 'pnpm testenv up --node'`,
    );
  }
  const image = o.image ?? `livesync:${appVersion()}`;
  const [repository, tag] = splitImage(image);
  const images = ctr(nodePaths(env.node.dir), ["images", "ls", "-q"]).stdout.split("\n");
  if (!images.includes(normalizedImage(image))) {
    throw new Error(
      `image ${image} is not in the node's containerd (namespace k8s.io): build and import it ` +
        `with 'pnpm image' (have: ${images.filter(Boolean).join(", ") || "none"})`,
    );
  }
  const kubeconfig = env.clusters.management!.kubeconfig;
  const values: Record<string, string | number | boolean> = {
    "image.repository": repository,
    "image.tag": tag,
    "image.pullPolicy": "Never",
    // No cluster DNS on the test node: NATS by address.
    "nats.url": podReachable(env.nats.url, env),
    // Two cores shared by every test: one pod per component.
    "eventsListener.replicas": 1,
    "synchronizer.replicas": 1,
    ...o.values,
  };
  const timeout = o.timeoutSeconds ?? 300;
  const args = ["upgrade", "--install", CHART_RELEASE, chartDir()]
    .concat(["--namespace", CHART_NAMESPACE, "--create-namespace", "--kubeconfig", kubeconfig])
    .concat(["--timeout", `${timeout}s`])
    .concat(Object.entries(values).flatMap(([k, v]) => ["--set", `${k}=${v}`]));
  o.log?.(`helm ${args.join(" ")}`);
  const helm = spawnSync(helmBinary(), args, { encoding: "utf8" });
  if (helm.status !== 0) {
    throw new Error(`helm upgrade --install failed (exit ${helm.status}): ${helm.stderr.trim()}`);
  }
  const revision = Number(/REVISION:\s*(\d+)/.exec(helm.stdout)?.[1] ?? 0);
  const pods = await waitForPodsReady(kubeconfig, CHART_NAMESPACE, {
    deadline: began + timeout * 1000,
    podLogsDir: join(env.node.dir, "pod-logs"),
    since: began,
  });
  const result: ChartInstall = {
    release: CHART_RELEASE,
    namespace: CHART_NAMESPACE,
    image,
    revision,
    seconds: (Date.now() - began) / 1000,
    pods,
  };
  o.log?.(
    `installed ${CHART_RELEASE} revision ${revision} (image ${image}) into ${CHART_NAMESPACE} ` +
      `of the management cluster in ${result.seconds.toFixed(1)} s:`,
  );
  for (const p of pods) o.log?.(`  ${p.ready ? "Ready" : "NOT READY"}  ${p.name}  ${p.ip}`);
  return result;
}

function splitImage(image: string): [string, string] {
  const colon = image.lastIndexOf(":");
  if (colon <= image.lastIndexOf("/")) throw new Error(`image ${image}: expected repository:tag`);
  return [image.slice(0, colon), image.slice(colon + 1)];
}

/** Container states that will not become Ready by waiting. */
const HOPELESS = new Set([
  "CrashLoopBackOff",
  "ErrImageNeverPull",
  "ImagePullBackOff",
  "ErrImagePull",
  "CreateContainerConfigError",
  "InvalidImageName",
]);

/**
 * Waits until every pod of the namespace runs Ready and none is terminating (so a rollout has
 * finished); fails early, with the container's last log lines, on a pod that cannot start.
 */
export async function waitForPodsReady(
  kubeconfig: string,
  namespace: string,
  o: { deadline: number; podLogsDir?: string; since?: number },
) {
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfig);
  const core = kc.makeApiClient(CoreV1Api);
  let pods: V1Pod[] = [];
  while (Date.now() < o.deadline) {
    pods = (await core.listNamespacedPod({ namespace })).items;
    if (pods.length > 0 && pods.every((p) => isReady(p) && !p.metadata?.deletionTimestamp)) break;
    // Pods from before (a rollout replaces them) do not count.
    const stuck = pods.find(
      (p) =>
        (p.metadata?.creationTimestamp?.getTime() ?? 0) >= (o.since ?? 0) - 1_000 &&
        p.status?.containerStatuses?.some((c) => HOPELESS.has(c.state?.waiting?.reason ?? "")),
    );
    if (stuck) {
      const reason = stuck.status!.containerStatuses!.map((c) => c.state?.waiting?.reason);
      throw new Error(
        `pod ${namespace}/${stuck.metadata!.name} cannot start (${reason.join(", ")})` +
          (o.podLogsDir ? `; its log:\n${podLogTail(o.podLogsDir, stuck)}` : ""),
      );
    }
    await sleep(500);
  }
  const out = pods.map((p) => ({
    name: p.metadata!.name!,
    ready: isReady(p),
    ip: p.status?.podIP ?? "",
    image: p.spec?.containers[0]?.image ?? "",
  }));
  const notReady = out.filter((p) => !p.ready);
  if (notReady.length || out.length === 0) {
    throw new Error(
      `pods in ${namespace} not Ready in time: ${notReady.map((p) => p.name).join(", ") || "none created"}`,
    );
  }
  return out;
}

/** The last lines the pod's containers wrote (the kubelet's podLogsDir/<ns>_<name>_<uid>/). */
function podLogTail(podLogsDir: string, pod: V1Pod): string {
  const m = pod.metadata!;
  const dir = join(podLogsDir, `${m.namespace}_${m.name}_${m.uid}`);
  if (!existsSync(dir)) return "(no log)";
  return readdirSync(dir)
    .flatMap((c) => readdirSync(join(dir, c)).map((f) => join(dir, c, f)))
    .map((f) => lastLines(f, 15))
    .join("\n");
}

const isReady = (p: V1Pod) =>
  p.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") ?? false;
