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

/** The `kubernetes` Service's address: the first of --service-cluster-ip-range. */
export const SERVICE_CIDR = "10.0.0.0/24";
export const KUBERNETES_SERVICE_IP = "10.0.0.1";

/** Cluster users a node's components authenticate as (a token each). */
export const NODE_USERS = {
  kubelet: (node: string) => ({ user: `system:node:${node}`, groups: ["system:nodes"] }),
  scheduler: () => ({ user: "system:kube-scheduler", groups: [] }),
  proxy: () => ({ user: "system:kube-proxy", groups: [] }),
} as const;
export type NodeUser = keyof typeof NODE_USERS;

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
    /**
     * Pods reach this cluster: serve on every interface with a certificate for `address` (the
     * machine's own) and the `kubernetes` Service IP.
     */
    network?: { address: string };
    /** A node joins this cluster: Node authorization, its users' tokens, every controller. */
    nodeName?: string;
  },
): Promise<StartedCluster & { nodeKubeconfigs: Partial<Record<NodeUser, string>> }> {
  const { name, dir, network, nodeName } = opts;
  mkdirSync(dir, { recursive: true });
  const pki = createClusterPki(dir, network ? [network.address, KUBERNETES_SERVICE_IP] : []);
  const token = randomBytes(24).toString("hex");
  const readerToken = randomBytes(24).toString("hex");
  const nodeTokens = nodeName
    ? Object.entries(NODE_USERS).map(([k, who]) => ({
        key: k as NodeUser,
        ...who(nodeName),
        token: randomBytes(24).toString("hex"),
      }))
    : [];
  writeFileSync(
    join(dir, "tokens.csv"),
    `${token},admin,admin-uid,"system:masters"\n${readerToken},${READER_USER},reader-uid\n` +
      nodeTokens
        .map((t) => `${t.token},${t.user},${t.user}${t.groups.length ? `,"${t.groups}"` : ""}\n`)
        .join(""),
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
      `--bind-address=${network ? "0.0.0.0" : "127.0.0.1"}`,
      // Without it the apiserver looks for a default route; with a node, the `kubernetes`
      // Service's endpoint, so it must be an address pods reach.
      `--advertise-address=${network?.address ?? "127.0.0.1"}`,
      `--secure-port=${port}`,
      `--tls-cert-file=${pki.servingCert}`,
      `--tls-private-key-file=${pki.servingKey}`,
      `--client-ca-file=${pki.caCert}`,
      `--service-cluster-ip-range=${SERVICE_CIDR}`,
      // The lease reconciler keeps the `kubernetes` Service's endpoint: needed by pods only.
      ...(nodeName ? [] : ["--endpoint-reconciler-type=none"]),
      `--authorization-mode=${nodeName ? "Node,RBAC" : "RBAC"}`,
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
  const nodeKubeconfigs: Partial<Record<NodeUser, string>> = {};
  for (const t of nodeTokens) {
    const file = join(dir, `kubeconfig-${t.key}.yaml`);
    writeFileSync(file, kubeconfigYaml({ name, server, caPem: ca.toString(), token: t.token }), {
      mode: 0o600,
    });
    nodeKubeconfigs[t.key] = file;
  }

  if (opts.controllerManagerBinary) {
    const cm = registry.start({
      component: `kube-controller-manager (${name})`,
      binary: opts.controllerManagerBinary,
      args: [
        `--kubeconfig=${kubeconfig}`,
        "--leader-elect=false",
        // A node needs them all: node-lifecycle lifts the not-ready taint, the volume binder
        // binds claims to volumes.
        `--controllers=${nodeName ? "*" : CONTROLLERS.join(",")}`,
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
    nodeKubeconfigs,
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
