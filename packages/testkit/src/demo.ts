/**
 * `pnpm demo`: brings up the test environment and shows the two live clusters. The replication
 * pipeline (events-listener -> JetStream -> synchronizer) plugs in here once it exists.
 */
import { CoreV1Api } from "@kubernetes/client-node";
import { clusterVersion, up } from "./environment.js";
import { kubeConfigFor } from "./kube.js";

const result = await up();
const { env } = result;
console.log(
  `test environment ${result.startedHere ? "started" : "reused"} in ${result.seconds.toFixed(1)} s\n`,
);
for (const [name, cluster] of Object.entries(env.clusters)) {
  const core = kubeConfigFor(env, name).makeApiClient(CoreV1Api);
  const namespaces = await core.listNamespace();
  console.log(
    `cluster ${name}: ${cluster.server} (Kubernetes ${await clusterVersion(cluster.kubeconfig)})`,
  );
  console.log(`  kubectl --kubeconfig ${cluster.kubeconfig} get namespaces`);
  for (const ns of namespaces.items) {
    console.log(`    ${ns.metadata?.name?.padEnd(24)} ${ns.status?.phase}`);
  }
}
console.log(`\nNATS JetStream ${env.nats.url}`);
console.log(`S3             ${env.s3.endpoint} (bucket ${env.s3.bucket})`);
console.log(`Prometheus     ${env.prometheus.url}`);
console.log(`\nThe environment keeps running; stop it with: pnpm testenv down`);
