export * from "./env.js";
export { up, down, status, clusterVersion, clusterNames, withLock } from "./environment.js";
export { kubeConfigFor, freshNamespace, eventually, TEST_NAMESPACE_LABEL } from "./kube.js";
export {
  addScrapeTargets,
  addScrapeJob,
  removeScrapeJob,
  loadAlertRules,
} from "./components/prometheus.js";
export { s3Client, listKeys } from "./components/s3.js";
export { crdManifest, establishCrd } from "./crds.js";
export { planEnvironment, type Plan } from "./provider.js";
export { freePort } from "./ports.js";
export { auditedWrites, type AuditedRequest } from "./audit.js";
export { READER_USER } from "./components/kube.js";
export { helmBinary, natsServerBinary } from "./binaries.js";
export { startPrivateCluster, type PrivateCluster } from "./private-cluster.js";
export {
  NatsCluster,
  startPrivateNatsCluster,
  testenvNatsCluster,
  natsNodeCount,
  type PrivateNatsCluster,
} from "./nats-cluster.js";
export type { StreamReport, ConsumerReport } from "./nats-monitor.js";
export { startPrivateS3, type PrivateS3 } from "./private-s3.js";
export { startPrivateNats, type PrivateNats } from "./private-nats.js";
export type { NatsAuthSetup, NatsUserPermissions } from "./components/nats.js";
export type { UpOptions } from "./environment.js";
export { runTestenvCli, type TestenvCliOptions } from "./cli.js";
export {
  installChart,
  uninstallChart,
  podReachable,
  waitForPodsReady,
  CHART_NAMESPACE,
  chartDir,
  CHART_RELEASE,
  type ChartInstall,
} from "./chart.js";
export { nodePaths, ctr } from "./node/containerd.js";
