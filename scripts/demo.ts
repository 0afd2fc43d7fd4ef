/**
 * `pnpm demo`: the documented example end to end on the test environment. Namespaces labelled
 * `disaster-recovery: enabled` in `source` hold Deployments, Services, ConfigMaps and Secrets;
 * livesync copies them into `destination`, Deployments with `replicas: 0`.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { AppsV1Api, CoreV1Api } from "@kubernetes/client-node";
import { clusterVersion, eventually, kubeConfigFor, testenvDir, up } from "@livesync/testkit";
import { Engine, loadManifests } from "@livesync/engine";

const LABEL = { "disaster-recovery": "enabled" };
const APPS = ["shop", "billing"];

const started = await up();
const { env } = started;
console.log(
  `test environment ${started.startedHere ? "started" : "reused"} in ${started.seconds.toFixed(1)} s`,
);
for (const [name, c] of Object.entries(env.clusters)) {
  console.log(
    `  ${name.padEnd(12)} ${c.server} (Kubernetes ${await clusterVersion(c.kubeconfig)})`,
  );
}

// 1. Applications in the source cluster.
const src = kubeConfigFor(env, "source");
const core = src.makeApiClient(CoreV1Api);
const apps = src.makeApiClient(AppsV1Api);
const ignore = () => undefined;
for (const app of [...APPS, "scratch"]) {
  const labels = app === "scratch" ? {} : LABEL;
  await core.createNamespace({ body: { metadata: { name: `demo-${app}`, labels } } }).catch(ignore);
  const namespace = `demo-${app}`;
  await apps
    .createNamespacedDeployment({
      namespace,
      body: {
        metadata: { name: app },
        spec: {
          replicas: 2,
          selector: { matchLabels: { app } },
          template: {
            metadata: { labels: { app } },
            spec: { containers: [{ name: app, image: "nginx:1.27" }] },
          },
        },
      },
    })
    .catch(ignore);
  await core
    .createNamespacedService({
      namespace,
      body: { metadata: { name: app }, spec: { selector: { app }, ports: [{ port: 80 }] } },
    })
    .catch(ignore);
  await core
    .createNamespacedConfigMap({
      namespace,
      body: { metadata: { name: `${app}-config` }, data: { LOG_LEVEL: "info" } },
    })
    .catch(ignore);
  await core
    .createNamespacedSecret({
      namespace,
      body: { metadata: { name: `${app}-db` }, stringData: { password: "s3cret" } },
    })
    .catch(ignore);
}

// 2. The manifests a user would apply to a management cluster: the documented example
// (packages/api/src/fixtures/example-livesync-sample.yaml), plus the Services, ConfigMaps and
// Secrets of the same namespaces.
const dir = join(testenvDir(), "demo");
mkdirSync(dir, { recursive: true });
const kubeconfig = (file: string) => JSON.stringify(readFileSync(file, "utf8"));
const source = env.clusters.source!;
const manifests = `apiVersion: v1
kind: Secret
metadata: { name: source, namespace: livesync-demo }
stringData:
  kubeconfig.yaml: ${kubeconfig(source.readOnlyKubeconfig ?? source.kubeconfig)}
---
apiVersion: v1
kind: Secret
metadata: { name: destination, namespace: livesync-demo }
stringData:
  kubeconfig.yaml: ${kubeconfig(env.clusters.destination!.kubeconfig)}
---
apiVersion: assets.livesync.dev/v1alpha1
kind: KubernetesCluster
metadata: { name: source, namespace: livesync-demo }
spec: { secretName: source }
---
apiVersion: assets.livesync.dev/v1alpha1
kind: KubernetesCluster
metadata: { name: destination, namespace: livesync-demo }
spec: { secretName: destination }
---
apiVersion: automation.livesync.dev/v1alpha1
kind: LiveSynchronization
metadata: { name: livesynchronization-sample, namespace: livesync-demo }
spec:
  suspend: false
  plugin: kubernetes-objects-to-kubernetes
  config:
    sourceName: source
    destinationName: destination
    observability: { enabled: false }
    replication:
      resources:
        - group: apps
          version: v1
          resource: deployments
          transformation:
            patch:
              - { op: replace, path: /spec/replicas, value: 0 }
          filters:
            namespaceSelector: { matchLabels: { disaster-recovery: enabled } }
          recoveryProcess:
            fromPatch:
              - { op: replace, path: /spec/replicas, value: 1 }
        - { version: v1, resource: services, filters: { namespaceSelector: { matchLabels: { disaster-recovery: enabled } } } }
        - { version: v1, resource: configmaps, filters: { namespaceSelector: { matchLabels: { disaster-recovery: enabled } } } }
        - { version: v1, resource: secrets, filters: { namespaceSelector: { matchLabels: { disaster-recovery: enabled } } } }
`;
const file = join(dir, "livesync.yaml");
writeFileSync(file, manifests, { mode: 0o600 });
console.log(`\nmanifests: ${file}   (same as: pnpm livesync run -f ${file})`);
const { manifests: loaded, problems } = loadManifests([file]);
if (problems.length) throw new Error(problems.map((p) => `${p.where}: ${p.message}`).join("\n"));

// 3. Run every service in this process, wait for the copies, show them.
const engine = await Engine.start(loaded, { natsUrl: env.nats.url });
const dst = kubeConfigFor(env, "destination");
const dstApps = dst.makeApiClient(AppsV1Api);
const dstCore = dst.makeApiClient(CoreV1Api);
for (const app of APPS) {
  const namespace = `demo-${app}`;
  await eventually(
    async () => {
      await dstApps.readNamespacedDeployment({ name: app, namespace });
      await dstCore.readNamespacedService({ name: app, namespace });
      await dstCore.readNamespacedConfigMap({ name: `${app}-config`, namespace });
      return dstCore.readNamespacedSecret({ name: `${app}-db`, namespace });
    },
    { what: `${namespace}'s objects in destination` },
  );
}
console.log("\ndestination cluster:");
for (const app of [...APPS, "scratch"]) {
  const namespace = `demo-${app}`;
  const d = await dstApps.readNamespacedDeployment({ name: app, namespace }).catch(() => undefined);
  const s = await dstCore.readNamespacedService({ name: app, namespace }).catch(() => undefined);
  const cm = await dstCore
    .readNamespacedConfigMap({ name: `${app}-config`, namespace })
    .catch(() => undefined);
  const sec = await dstCore
    .readNamespacedSecret({ name: `${app}-db`, namespace })
    .catch(() => undefined);
  console.log(
    `  ${namespace.padEnd(14)} deployment ${d ? `replicas=${d.spec?.replicas} (source: 2)` : "-"}` +
      `  service ${s ? "yes" : "-"}  configmap ${cm ? "yes" : "-"}  secret ${sec ? "yes" : "-"}`,
  );
}
for (const s of await engine.status()) {
  console.log(
    `\n${s.liveSync}: synced=${s.synced} bus-pending=${s.pending} failed=${s.failed} conflicts=${s.conflicts}`,
  );
}
await engine.stop();
console.log(`\ndemo-scratch has no disaster-recovery label, so it stays out. Try it yourself:
  kubectl --kubeconfig ${env.clusters.destination!.kubeconfig} get deploy -A
The environment keeps running; stop it with: pnpm testenv down`);
