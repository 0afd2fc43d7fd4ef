import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { KubeConfig, CoreV1Api } from "@kubernetes/client-node";
import { httpOk } from "../http.js";
import { freePorts } from "../ports.js";
import { waitUntilReady, type ProcessRegistry, type StartedProcess } from "../process.js";
import { POD_CIDR, type NodePaths } from "./containerd.js";

export interface NodeBinaries {
  kubelet: string;
  kubeScheduler: string;
  kubeProxy: string;
}

export interface NodeKubeconfigs {
  admin: string;
  kubelet: string;
  scheduler: string;
  proxy: string;
}

/**
 * The kubelet settings a node needs on these machines: cgroup v1 with cgroupfs, swap allowed,
 * the environment's containerd, an address on the machine's own interface, anonymous access for
 * the apiserver (logs, exec), eviction and image collection kept out of the way.
 */
export function kubeletConfig(o: {
  paths: NodePaths;
  address: string;
  port: number;
  healthzPort: number;
}): string {
  return `apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
failCgroupV1: false
cgroupDriver: cgroupfs
failSwapOn: false
containerRuntimeEndpoint: unix://${o.paths.socket}
address: ${o.address}
port: ${o.port}
healthzBindAddress: 127.0.0.1
healthzPort: ${o.healthzPort}
readOnlyPort: 0
authentication:
  anonymous: { enabled: true }
  webhook: { enabled: false }
authorization:
  mode: AlwaysAllow
evictionHard:
  memory.available: "1%"
  nodefs.available: "1%"
  nodefs.inodesFree: "1%"
  imagefs.available: "1%"
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
podLogsDir: ${join(o.paths.dir, "pod-logs")}
podCIDR: ${POD_CIDR}
maxPods: 60
serializeImagePulls: false
`;
}

/** kube-proxy in iptables mode, masquerading Service traffic (no br_netfilter needed for hairpins). */
export function kubeProxyConfig(o: {
  kubeconfig: string;
  nodeName: string;
  healthzPort: number;
  metricsPort: number;
}): string {
  return `apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
clientConnection:
  kubeconfig: ${o.kubeconfig}
mode: iptables
hostnameOverride: ${o.nodeName}
clusterCIDR: ${POD_CIDR}
healthzBindAddress: 127.0.0.1:${o.healthzPort}
metricsBindAddress: 127.0.0.1:${o.metricsPort}
iptables:
  masqueradeAll: true
  localhostNodePorts: false
conntrack:
  maxPerCore: 0
  tcpEstablishedTimeout: 0s
  tcpCloseWaitTimeout: 0s
`;
}

/** kube-scheduler, the kubelet and kube-proxy; resolves when the node is Ready. */
export async function startNodeComponents(
  registry: ProcessRegistry,
  o: {
    paths: NodePaths;
    bins: NodeBinaries;
    kubeconfigs: NodeKubeconfigs;
    nodeName: string;
    address: string;
  },
): Promise<StartedProcess[]> {
  const { paths, bins, kubeconfigs, nodeName } = o;
  const [schedPort, kubeletPort, kubeletHealthz, proxyHealthz, proxyMetrics] = await freePorts(5);
  const scheduler = registry.start({
    component: "kube-scheduler",
    binary: bins.kubeScheduler,
    args: [
      `--kubeconfig=${kubeconfigs.scheduler}`,
      "--leader-elect=false",
      "--bind-address=127.0.0.1",
      `--secure-port=${schedPort}`,
    ],
    logFile: join(paths.dir, "kube-scheduler.log"),
  });

  const kubeletDir = join(paths.dir, "kubelet");
  mkdirSync(kubeletDir, { recursive: true });
  const config = join(paths.dir, "kubelet-config.yaml");
  writeFileSync(
    config,
    kubeletConfig({
      paths,
      address: o.address,
      port: kubeletPort!,
      healthzPort: kubeletHealthz!,
    }),
  );
  const kubelet = registry.start({
    component: "kubelet",
    binary: bins.kubelet,
    args: [
      `--config=${config}`,
      `--kubeconfig=${kubeconfigs.kubelet}`,
      `--root-dir=${kubeletDir}`,
      `--cert-dir=${join(paths.dir, "kubelet-pki")}`,
      `--hostname-override=${nodeName}`,
      `--node-ip=${o.address}`,
      "--v=1",
    ],
    logFile: join(paths.dir, "kubelet.log"),
  });

  const proxyConfig = join(paths.dir, "kube-proxy-config.yaml");
  writeFileSync(
    proxyConfig,
    kubeProxyConfig({
      kubeconfig: kubeconfigs.proxy,
      nodeName,
      healthzPort: proxyHealthz!,
      metricsPort: proxyMetrics!,
    }),
  );
  const proxy = registry.start({
    component: "kube-proxy",
    binary: bins.kubeProxy,
    args: [`--config=${proxyConfig}`],
    logFile: join(paths.dir, "kube-proxy.log"),
  });

  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfigs.admin);
  const core = kc.makeApiClient(CoreV1Api);
  await waitUntilReady(kubelet, () => httpOk(`http://127.0.0.1:${kubeletHealthz}/healthz`), 60_000);
  await waitUntilReady(kubelet, () => nodeIsReady(core, nodeName), 90_000);
  await waitUntilReady(proxy, () => httpOk(`http://127.0.0.1:${proxyHealthz}/healthz`), 60_000);
  await waitUntilReady(
    scheduler,
    () => httpOk(`https://127.0.0.1:${schedPort}/healthz`, { verifyTls: false }),
    60_000,
  );
  return [scheduler, kubelet, proxy];
}

/** Throws unless the node is Ready (for `testenv status` and the reuse check). */
export async function nodeReady(kubeconfig: string, name: string): Promise<void> {
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfig);
  if (!(await nodeIsReady(kc.makeApiClient(CoreV1Api), name))) throw new Error("not Ready");
}

/** Ready, and without the taints a new node carries until the node controller lifts them. */
async function nodeIsReady(core: CoreV1Api, name: string): Promise<boolean> {
  const node = await core.readNode({ name });
  const ready = node.status?.conditions?.find((c) => c.type === "Ready")?.status === "True";
  const blocking = (node.spec?.taints ?? []).filter((t) => t.effect === "NoSchedule");
  return ready && blocking.length === 0;
}
