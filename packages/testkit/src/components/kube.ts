import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { ClusterEndpoint } from "../env.js";
import { httpGet, httpOk, httpPost } from "../http.js";
import { createClusterPki } from "../pki.js";
import { freePorts } from "../ports.js";
import { waitUntilReady, type ProcessRegistry, type StartedProcess } from "../process.js";

/** Writes are audited; reads are not (they would drown the log). Tests use it to prove no writes. */
const AUDIT_POLICY = `apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: ["RequestReceived"]
rules:
  - level: None
    verbs: ["get", "list", "watch"]
  - level: Metadata
`;

/** What the controller-manager runs: enough for namespaces to terminate and owners to cascade. */
const CONTROLLERS = [
  "namespace",
  "garbage-collector",
  "serviceaccount",
  "serviceaccount-token",
  "root-ca-certificate-publisher",
  "clusterrole-aggregation",
  "deployment",
  "replicaset",
  "job",
  "cronjob",
  "statefulset",
  "daemonset",
  "endpointslice",
].map((c) => `${c}-controller`);

export interface StartedCluster {
  endpoint: ClusterEndpoint;
  processes: StartedProcess[];
  /** Stops the apiserver (etcd keeps the data); `start` brings it back on the same port. */
  apiserver: { stop(): Promise<void>; start(): Promise<void> };
}

export async function startCluster(
  registry: ProcessRegistry,
  opts: {
    name: string;
    dir: string;
    etcdUrl: string;
    apiserverBinary: string;
    controllerManagerBinary?: string;
    /** More kube-apiserver flags (e.g. --watch-cache=false). */
    apiserverArgs?: string[];
  },
): Promise<StartedCluster> {
  const { name, dir } = opts;
  mkdirSync(dir, { recursive: true });
  const pki = createClusterPki(dir);
  const token = randomBytes(24).toString("hex");
  const readerToken = randomBytes(24).toString("hex");
  writeFileSync(
    join(dir, "tokens.csv"),
    `${token},admin,admin-uid,"system:masters"\n${readerToken},${READER_USER},reader-uid\n`,
    { mode: 0o600 },
  );
  writeFileSync(join(dir, "audit-policy.yaml"), AUDIT_POLICY);
  const [port, cmPort] = await freePorts(2);
  const server = `https://127.0.0.1:${port}`;
  const auditLog = join(dir, "audit.log");

  const apiserver = registry.start({
    component: `kube-apiserver (${name})`,
    binary: opts.apiserverBinary,
    args: [
      `--etcd-servers=${opts.etcdUrl}`,
      `--etcd-prefix=/${name}/registry`,
      "--bind-address=127.0.0.1",
      "--advertise-address=127.0.0.1", // without it the apiserver looks for a default route
      `--secure-port=${port}`,
      `--tls-cert-file=${pki.servingCert}`,
      `--tls-private-key-file=${pki.servingKey}`,
      `--client-ca-file=${pki.caCert}`,
      "--service-cluster-ip-range=10.0.0.0/24",
      "--endpoint-reconciler-type=none",
      "--authorization-mode=RBAC",
      `--token-auth-file=${join(dir, "tokens.csv")}`,
      `--service-account-issuer=${server}`,
      `--service-account-key-file=${pki.serviceAccountPub}`,
      `--service-account-signing-key-file=${pki.serviceAccountKey}`,
      "--allow-privileged=true",
      `--audit-policy-file=${join(dir, "audit-policy.yaml")}`,
      `--audit-log-path=${auditLog}`,
      "--audit-log-format=json",
      "--audit-log-maxsize=200",
      // Lists at an exact resourceVersion go to etcd, as on clusters before 1.34 (or with the
      // gate off): served from the watch cache's snapshots instead, a revision etcd compacted
      // stays listable for a while, and the tests of a backup meeting a compacted revision
      // (410 Gone) could not make one happen on purpose. Both paths give the same objects.
      "--feature-gates=ListFromCacheSnapshot=false",
      ...(opts.apiserverArgs ?? []),
    ],
    logFile: join(dir, "kube-apiserver.log"),
  });
  const ca = readFileSync(pki.caCert);
  await waitUntilReady(apiserver, () => httpOk(`${server}/readyz`, { token, ca }), 120_000);
  // As StartTestServer does: ready means the default namespace exists too.
  await waitUntilReady(
    apiserver,
    async () =>
      (await httpGet(`${server}/api/v1/namespaces/default`, { token, ca })).status === 200,
    60_000,
  );

  const kubeconfig = join(dir, "kubeconfig.yaml");
  writeFileSync(kubeconfig, kubeconfigYaml({ name, server, caPem: ca.toString(), token }), {
    mode: 0o600,
  });
  const readOnlyKubeconfig = join(dir, "kubeconfig-readonly.yaml");
  writeFileSync(
    readOnlyKubeconfig,
    kubeconfigYaml({ name, server, caPem: ca.toString(), token: readerToken }),
    { mode: 0o600 },
  );
  await grantReadOnly(server, token, ca);
  const processes = [apiserver];

  if (opts.controllerManagerBinary) {
    const cm = registry.start({
      component: `kube-controller-manager (${name})`,
      binary: opts.controllerManagerBinary,
      args: [
        `--kubeconfig=${kubeconfig}`,
        "--leader-elect=false",
        `--controllers=${CONTROLLERS.join(",")}`,
        `--service-account-private-key-file=${pki.serviceAccountKey}`,
        `--root-ca-file=${pki.caCert}`,
        "--bind-address=127.0.0.1",
        `--secure-port=${cmPort}`,
        "--concurrent-gc-syncs=5",
      ],
      logFile: join(dir, "kube-controller-manager.log"),
    });
    processes.push(cm);
    // The serviceaccount controller creating `default` proves the controllers run.
    await waitUntilReady(
      cm,
      async () =>
        (
          await httpGet(`${server}/api/v1/namespaces/default/serviceaccounts/default`, {
            token,
            ca,
          })
        ).status === 200,
      60_000,
    );
  }
  let current = apiserver;
  const control = {
    stop: () => registry.stop(current),
    start: async () => {
      current = registry.restart(current);
      await waitUntilReady(current, () => httpOk(`${server}/readyz`, { token, ca }), 120_000);
    },
  };
  return {
    endpoint: { kubeconfig, readOnlyKubeconfig, server, auditLog },
    processes,
    apiserver: control,
  };
}

/** A user that may read everything and write nothing: what livesync needs on a source. */
export const READER_USER = "livesync-reader";

async function grantReadOnly(server: string, token: string, ca: Buffer): Promise<void> {
  const rbac = "/apis/rbac.authorization.k8s.io/v1";
  await httpPost(`${server}${rbac}/clusterroles`, token, ca, {
    metadata: { name: READER_USER },
    rules: [{ apiGroups: ["*"], resources: ["*"], verbs: ["get", "list", "watch"] }],
  });
  await httpPost(`${server}${rbac}/clusterrolebindings`, token, ca, {
    metadata: { name: READER_USER },
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: READER_USER },
    subjects: [{ apiGroup: "rbac.authorization.k8s.io", kind: "User", name: READER_USER }],
  });
}

export function kubeconfigYaml(o: {
  name: string;
  server: string;
  caPem: string;
  token: string;
}): string {
  const caData = Buffer.from(o.caPem).toString("base64");
  return `apiVersion: v1
kind: Config
clusters:
  - name: ${o.name}
    cluster:
      server: ${o.server}
      certificate-authority-data: ${caData}
users:
  - name: ${o.name}-admin
    user:
      token: ${o.token}
contexts:
  - name: ${o.name}
    context:
      cluster: ${o.name}
      user: ${o.name}-admin
current-context: ${o.name}
`;
}
