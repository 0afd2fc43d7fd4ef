/**
 * The Helm chart (deploy/helm/livesync) against a real kube-apiserver, the test environment's
 * destination: `helm lint` and `helm template` with the default values and with everything on
 * (nats.deploy, monitoring, selfBackup), then every rendered object is sent to the apiserver as a server-side
 * dry run with strict field validation (nothing is stored). The monitoring.coreos.com kinds
 * (Prometheus Operator, not installed here) are parsed and checked offline instead: their PromQL
 * by promtool when it is installed (Debian's prometheus package ships it).
 *
 * The livesync CRDs of the chart's crds/ are installed first, as raw JSON (client-node's typed
 * client drops schema keys), and left installed like the other suites do. The Roles are created
 * for real in a fresh namespace so SubjectAccessReviews can say what each component may do.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { request, type RequestOptions } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { parse, parseAllDocuments } from "yaml";
import { eventually, freshNamespace, helmBinary, kubeConfigFor } from "../src/index.js";

const env = inject("testenv");
const kc = kubeConfigFor(env, "destination");
const repo = (path: string) => new URL(`../../../${path}`, import.meta.url);
const CHART = repo("deploy/helm/livesync").pathname;
const CRDS = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions";

// What the tests look at in rendered objects.
/* eslint-disable @typescript-eslint/no-explicit-any -- rendered manifests are untyped YAML */
type Obj = {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    resourceVersion?: string;
  };
  [k: string]: any;
};
/* eslint-enable @typescript-eslint/no-explicit-any */

const DEFAULTS = "";
const EVERYTHING = "nats.deploy=true,monitoring.enabled=true";
const NATS_CLUSTER = "nats.deploy=true,nats.replicas=3,nats.streamReplicas=3";
const SELF_BACKUP =
  "selfBackup.enabled=true,selfBackup.sourceName=management,selfBackup.bucketName=backups";
const COMPONENTS = {
  "livesync-operator": { components: "controller", replicas: 1, leaderElect: true },
  "livesync-events-listener": { components: "events-listener", replicas: 2, leaderElect: false },
  "livesync-synchronizer": { components: "synchronizer", replicas: 2, leaderElect: false },
  "livesync-archiver": { components: "archiver", replicas: 1, leaderElect: false },
};

let helm: string;
let ns: string;
const cleanups: (() => Promise<void>)[] = [];

/** A JSON request to the destination apiserver with the kubeconfig's (admin) credentials. */
async function api<T = Obj>(
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: T }> {
  const opts: RequestOptions = {};
  await kc.applyToHTTPSOptions(opts);
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(
      new URL(path, kc.getCurrentCluster()!.server),
      {
        ...opts,
        method,
        headers: {
          ...opts.headers,
          Accept: "application/json",
          ...(payload === undefined ? {} : { "Content-Type": "application/json" }),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          resolve({ status: res.statusCode ?? 0, body: (text ? JSON.parse(text) : {}) as T });
        });
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(payload);
  });
}

/** The collection path of an object's kind, from discovery (kind -> plural, namespaced). */
async function collectionPath(o: Obj): Promise<string> {
  const base = o.apiVersion.includes("/") ? `/apis/${o.apiVersion}` : `/api/${o.apiVersion}`;
  const { body } = await api<{ resources: { name: string; kind: string; namespaced: boolean }[] }>(
    "GET",
    base,
  );
  const r = body.resources.find((r) => r.kind === o.kind && !r.name.includes("/"));
  if (!r) throw new Error(`the apiserver does not serve ${o.apiVersion} ${o.kind}`);
  return r.namespaced
    ? `${base}/namespaces/${o.metadata.namespace}/${r.name}`
    : `${base}/${r.name}`;
}

function render(set: string, namespace = ns): Obj[] {
  const args = ["template", "livesync", CHART, "--namespace", namespace];
  const out = execFileSync(helm, set ? [...args, "--set", set] : args, { encoding: "utf8" });
  // A plain YAML parser: client-node's loadAllYaml maps known kinds to its models and so
  // silently drops misspelled fields that the strict dry run must see.
  return parseAllDocuments(out)
    .map((d) => d.toJS() as Obj | null)
    .filter((o): o is Obj => o !== null);
}

const named = (objs: Obj[], kind: string, name: string) => {
  const o = objs.find((o) => o.kind === kind && o.metadata.name === name);
  if (!o) throw new Error(`no ${kind} ${name} rendered`);
  return o;
};

/** The value following `flag` in a container's args (undefined when absent). */
const flag = (args: string[], name: string) => {
  const i = args.indexOf(name);
  return i < 0 ? undefined : args[i + 1];
};

async function installCrd(crd: Obj): Promise<void> {
  const path = `${CRDS}/${crd.metadata.name}`;
  let res = await api("POST", CRDS, crd);
  if (res.status === 409) {
    const existing = await api("GET", path);
    res = await api("PUT", path, {
      ...crd,
      metadata: { ...crd.metadata, resourceVersion: existing.body.metadata.resourceVersion },
    });
  }
  expect(res.status, JSON.stringify(res.body)).toBeLessThan(300);
  await eventually(
    async () => {
      const { body } = await api<{ status?: { conditions?: { type: string; status: string }[] } }>(
        "GET",
        path,
      );
      return body.status?.conditions?.some((c) => c.type === "Established" && c.status === "True")
        ? true
        : undefined;
    },
    { timeoutMs: 60_000, what: `CRD ${crd.metadata.name} to be Established` },
  );
}

/** The non-test TypeScript files under a directory, node_modules and dist left out. */
const sourceFiles = (dir: URL): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    if (e.isDirectory())
      return ["node_modules", "dist"].includes(e.name)
        ? []
        : sourceFiles(new URL(`${e.name}/`, dir));
    return e.name.endsWith(".ts") && !e.name.endsWith(".test.ts")
      ? [new URL(e.name, dir).pathname]
      : [];
  });

const chartCrds = () =>
  readdirSync(repo("deploy/helm/livesync/crds/"))
    .filter((f) => f.endsWith(".yaml"))
    .sort();

beforeAll(async () => {
  helm = helmBinary();
  const namespace = await freshNamespace(kc, "helm-chart");
  ns = namespace.name;
  cleanups.push(namespace.remove);
  for (const file of chartCrds()) {
    const text = readFileSync(repo(`deploy/helm/livesync/crds/${file}`), "utf8");
    await installCrd(parse(text) as Obj);
  }
});

afterAll(async () => {
  for (const c of cleanups) await c().catch(() => undefined);
});

describe("helm chart deploy/helm/livesync", () => {
  it.each([DEFAULTS, EVERYTHING])("helm lint --strict passes (--set '%s')", (set) => {
    const args = ["lint", "--strict", CHART, ...(set ? ["--set", set] : [])];
    const out = execFileSync(helm, args, { encoding: "utf8" });
    expect(out).toContain("0 chart(s) failed");
  });

  it("ships the generated CRDs in crds/, identical to deploy/crds", () => {
    const deployCrds = readdirSync(repo("deploy/crds/")).filter(
      (f) => f.endsWith(".yaml") && f !== "kustomization.yaml",
    );
    expect(chartCrds()).toEqual(deployCrds.sort());
    for (const f of chartCrds()) {
      expect(readFileSync(repo(`deploy/helm/livesync/crds/${f}`), "utf8"), f).toBe(
        readFileSync(repo(`deploy/crds/${f}`), "utf8"),
      );
    }
  });

  it.each([
    [DEFAULTS, { Deployment: 4, Service: 4, ServiceAccount: 4, Role: 2, RoleBinding: 2 }],
    [
      EVERYTHING,
      {
        Deployment: 4,
        Service: 5,
        ServiceAccount: 4,
        Role: 2,
        RoleBinding: 2,
        StatefulSet: 1,
        ConfigMap: 2,
        Secret: 5,
        NetworkPolicy: 1,
        ServiceMonitor: 1,
        PrometheusRule: 1,
      },
    ],
    [
      NATS_CLUSTER,
      {
        Deployment: 4,
        Service: 5,
        ServiceAccount: 4,
        Role: 2,
        RoleBinding: 2,
        StatefulSet: 1,
        PodDisruptionBudget: 1,
        ConfigMap: 1, // nats.conf: TLS and the users
        Secret: 5,
        NetworkPolicy: 1,
      },
    ],
    [
      SELF_BACKUP,
      { Deployment: 4, Service: 4, ServiceAccount: 4, Role: 2, RoleBinding: 2, BackupSchedule: 1 },
    ],
  ])(
    "renders objects the apiserver accepts in a server-side dry run (--set '%s')",
    async (set, expectedKinds) => {
      const objs = render(set);
      const kinds: Record<string, number> = {};
      for (const o of objs) kinds[o.kind] = (kinds[o.kind] ?? 0) + 1;
      expect(kinds).toEqual(expectedKinds);

      for (const o of objs) {
        expect(o.metadata.namespace, `${o.kind} ${o.metadata.name}`).toBe(ns);
        // Prometheus Operator kinds: their CRDs are not installed here (checked offline below).
        if (o.apiVersion.startsWith("monitoring.coreos.com/")) continue;
        const path = `${await collectionPath(o)}?dryRun=All&fieldValidation=Strict`;
        const res = await api("POST", path, o);
        expect(res.status, `${o.kind} ${o.metadata.name}: ${JSON.stringify(res.body)}`).toBe(201);
        expect(res.body.metadata.name).toBe(o.metadata.name);
      }
    },
  );

  it("runs each component as a Deployment of the one image with its --components", () => {
    const objs = render(DEFAULTS);
    for (const [name, want] of Object.entries(COMPONENTS)) {
      const d = named(objs, "Deployment", name);
      const pod = d.spec.template.spec;
      const [c] = pod.containers;
      expect(d.spec.replicas, name).toBe(want.replicas);
      expect(c.image).toBe("livesync:0.1.0");
      expect(c.workingDir).toBe("/app");
      expect(c.command).toEqual(["node", "services/cli/dist/src/main.js", "operator"]);
      expect(flag(c.args, "--components"), name).toBe(want.components);
      expect(flag(c.args, "--namespace"), name).toBe(ns);
      expect(flag(c.args, "--nats"), name).toBe("nats://nats.nats.svc.cluster.local:4222");
      expect(flag(c.args, "--metrics-port"), name).toBe("9090");
      expect(c.args.includes("--leader-elect"), name).toBe(want.leaderElect);
      expect(c.args).not.toContain("--kubeconfig"); // in-cluster ServiceAccount
      expect(pod.serviceAccountName).toBe(name);
      // Probes on the metrics port, which listens on all addresses in a pod.
      expect(c.ports).toEqual([{ name: "metrics", containerPort: 9090 }]);
      expect(c.livenessProbe.httpGet).toEqual({ path: "/healthz", port: "metrics" });
      expect(c.readinessProbe.httpGet).toEqual({ path: "/readyz", port: "metrics" });
      expect(c.env).toContainEqual({ name: "LIVESYNC_METRICS_HOST", value: "0.0.0.0" });
      expect(pod.securityContext.runAsNonRoot).toBe(true);
      expect(c.securityContext).toMatchObject({
        readOnlyRootFilesystem: true,
        allowPrivilegeEscalation: false,
        capabilities: { drop: ["ALL"] },
      });
      expect(c.resources.requests).toBeDefined();
      const svc = named(objs, "Service", `${name}-metrics`);
      expect(svc.spec.selector).toEqual(d.spec.selector.matchLabels);
      expect(svc.spec.ports).toEqual([{ name: "metrics", port: 9090, targetPort: "metrics" }]);
    }
  });

  it("nats.deploy=true: a JetStream StatefulSet on a volume, and every component points at it", () => {
    const objs = render(EVERYTHING);
    const sts = named(objs, "StatefulSet", "livesync-nats");
    const [c] = sts.spec.template.spec.containers;
    expect(c.image).toBe("nats:2.11");
    // The image `pnpm image --nats` builds, imported into the node's containerd.
    const local = named(
      render(
        `${EVERYTHING},nats.image.repository=livesync-nats,nats.image.tag=2.11.17,nats.image.pullPolicy=Never`,
      ),
      "StatefulSet",
      "livesync-nats",
    ).spec.template.spec.containers[0];
    expect([local.image, local.imagePullPolicy]).toEqual(["livesync-nats:2.11.17", "Never"]);
    expect(c.args.slice(0, 3)).toEqual(["-js", "-sd", "/data"]);
    expect(c.volumeMounts).toContainEqual({ name: "data", mountPath: "/data" });
    expect(sts.spec.volumeClaimTemplates[0].metadata.name).toBe("data");
    expect(named(objs, "Service", "livesync-nats").spec.ports[0].port).toBe(4222);
    for (const name of Object.keys(COMPONENTS)) {
      const args = named(objs, "Deployment", name).spec.template.spec.containers[0].args;
      expect(flag(args, "--nats"), name).toBe(`nats://livesync-nats.${ns}.svc:4222`);
    }
  });

  it("nats.replicas=3: three routed JetStream servers, one disrupted at a time, and every component lists them", () => {
    const objs = render(NATS_CLUSTER);
    const sts = named(objs, "StatefulSet", "livesync-nats");
    expect(sts.spec.replicas).toBe(3);
    expect(sts.spec.podManagementPolicy).toBe("Parallel");
    const [c] = sts.spec.template.spec.containers;
    expect(c.args.slice(0, 3)).toEqual(["-js", "-sd", "/data"]);
    expect(flag(c.args, "--name")).toBe("$(POD_NAME)");
    expect(c.env).toContainEqual({
      name: "POD_NAME",
      valueFrom: { fieldRef: { fieldPath: "metadata.name" } },
    });
    expect(flag(c.args, "--cluster_name")).toBe("livesync-nats");
    expect(flag(c.args, "--cluster")).toBe("nats://0.0.0.0:6222");
    const pod = (i: number, port: number) =>
      `nats://livesync-nats-${i}.livesync-nats.${ns}.svc:${port}`;
    expect(flag(c.args, "--routes")).toBe([0, 1, 2].map((i) => pod(i, 6222)).join(","));
    const svc = named(objs, "Service", "livesync-nats");
    expect(svc.spec.clusterIP).toBe("None");
    expect(svc.spec.publishNotReadyAddresses).toBe(true);
    expect(svc.spec.ports).toContainEqual({ name: "cluster", port: 6222, targetPort: "cluster" });
    expect(named(objs, "PodDisruptionBudget", "livesync-nats").spec.maxUnavailable).toBe(1);
    for (const name of Object.keys(COMPONENTS)) {
      const args = named(objs, "Deployment", name).spec.template.spec.containers[0].args;
      expect(flag(args, "--nats"), name).toBe([0, 1, 2].map((i) => pod(i, 4222)).join(","));
      expect(flag(args, "--nats-replicas"), name).toBe("3");
    }
    // The default stays one server, and the components choose the replicas themselves.
    const single = render("nats.deploy=true");
    expect(named(single, "StatefulSet", "livesync-nats").spec.replicas).toBe(1);
    expect(single.some((o) => o.kind === "PodDisruptionBudget")).toBe(false);
    const args = named(single, "Deployment", "livesync-synchronizer").spec.template.spec
      .containers[0].args;
    expect(flag(args, "--nats-replicas")).toBeUndefined();
  });

  it("nats.replicas other than 1, 3 or 5 fails, saying why", () => {
    const res = spawnSync(
      helm,
      ["template", "livesync", CHART, "--set", "nats.deploy=true,nats.replicas=2"],
      { encoding: "utf8" },
    );
    expect(res.status).not.toBe(0);
    expect(res.stderr).toContain("nats.replicas: 1, 3 or 5 servers");
  });

  it("selfBackup: one BackupSchedule of the self-backup preset, kept on uninstall", () => {
    const objs = render(`${SELF_BACKUP},watchNamespace=livesync-objects`);
    const schedule = named(objs, "BackupSchedule", "livesync-self");
    expect(schedule.metadata.namespace).toBe("livesync-objects");
    expect(schedule.metadata.annotations).toEqual({
      "helm.sh/resource-policy": "keep",
      "backup.livesync.dev/preset": "self",
    });
    expect(schedule.spec).toMatchObject({ schedule: "0 3 * * *", maxBackups: 14, ttl: "720h" });
    const { template } = schedule.spec;
    expect(template).toMatchObject({
      sourceName: "management",
      bucketName: "backups",
      includedNamespaces: ["livesync-objects"],
      includeClusterResources: false,
    });
    const gvrs = template.resources.map(
      (r: { group: string; version: string; resource: string }) =>
        `${r.group}/${r.version}/${r.resource}`,
    );
    expect(gvrs).toEqual([
      "automation.livesync.dev/v1alpha1/livesynchronizations",
      "automation.livesync.dev/v1alpha1/tasks",
      "assets.livesync.dev/v1alpha1/kubernetesclusters",
      "assets.livesync.dev/v1alpha1/buckets",
      "backup.livesync.dev/v1alpha1/backupschedules",
    ]);
    expect(render("").filter((o) => o.kind === "BackupSchedule")).toEqual([]);
    const timed = named(
      render(`${SELF_BACKUP},selfBackup.timeZone=Europe/Paris,selfBackup.schedule=0 */6 * * *`),
      "BackupSchedule",
      "livesync-self",
    );
    expect(timed.spec).toMatchObject({ schedule: "0 */6 * * *", timeZone: "Europe/Paris" });
  });

  it("selfBackup.enabled without a bucket or a cluster fails, saying which value", () => {
    const fails = (set: string) => {
      const res = spawnSync(helm, ["template", "livesync", CHART, "--set", set], {
        encoding: "utf8",
      });
      expect(res.status).not.toBe(0);
      return res.stderr;
    };
    expect(fails("selfBackup.enabled=true,selfBackup.bucketName=b")).toContain(
      "selfBackup.sourceName is required",
    );
    expect(fails("selfBackup.enabled=true,selfBackup.sourceName=c")).toContain(
      "selfBackup.bucketName is required",
    );
  });

  it("watchNamespace: the Roles and --namespace go to the management namespace", () => {
    const objs = render("watchNamespace=livesync-objects");
    for (const o of objs.filter((o) => o.kind === "Role" || o.kind === "RoleBinding"))
      expect(o.metadata.namespace).toBe("livesync-objects");
    const args = named(objs, "Deployment", "livesync-synchronizer").spec.template.spec.containers[0]
      .args;
    expect(flag(args, "--namespace")).toBe("livesync-objects");
    expect(named(objs, "Deployment", "livesync-synchronizer").metadata.namespace).toBe(ns);
  });

  it("RBAC: every component reads the livesync objects and Secrets; only the operator writes", async () => {
    const rbac = render(DEFAULTS).filter((o) => o.kind === "Role" || o.kind === "RoleBinding");
    for (const o of rbac) {
      const res = await api("POST", await collectionPath(o), o);
      expect(res.status, JSON.stringify(res.body)).toBe(201);
    }
    const can = async (
      sa: string,
      verb: string,
      resource: string,
      { group = "", subresource = "", namespace = ns } = {},
    ) => {
      const { body } = await api<{ status: { allowed: boolean } }>(
        "POST",
        "/apis/authorization.k8s.io/v1/subjectaccessreviews",
        {
          apiVersion: "authorization.k8s.io/v1",
          kind: "SubjectAccessReview",
          spec: {
            user: `system:serviceaccount:${ns}:${sa}`,
            groups: ["system:serviceaccounts", `system:serviceaccounts:${ns}`],
            resourceAttributes: { namespace, verb, group, resource, subresource },
          },
        },
      );
      return body.status.allowed;
    };
    const AUTOMATION = { group: "automation.livesync.dev" };
    const ASSETS = { group: "assets.livesync.dev" };
    const BACKUP = { group: "backup.livesync.dev" };
    await eventually(
      () => can("livesync-operator", "watch", "secrets").then((a) => a || undefined),
      {
        what: "the RoleBindings to take effect",
      },
    );

    for (const sa of Object.keys(COMPONENTS)) {
      for (const verb of ["get", "list", "watch"]) {
        expect(await can(sa, verb, "livesynchronizations", AUTOMATION), `${sa} ${verb}`).toBe(true);
        expect(await can(sa, verb, "taskruns", AUTOMATION), `${sa} ${verb}`).toBe(true);
        expect(await can(sa, verb, "kubernetesclusters", ASSETS), `${sa} ${verb}`).toBe(true);
        expect(await can(sa, verb, "buckets", ASSETS), `${sa} ${verb}`).toBe(true);
        expect(await can(sa, verb, "secrets"), `${sa} ${verb}`).toBe(true);
      }
      // Nothing outside the management namespace, and no writing Secrets.
      expect(await can(sa, "get", "secrets", { namespace: "default" }), sa).toBe(false);
      expect(await can(sa, "update", "secrets"), sa).toBe(false);
    }

    const op = "livesync-operator";
    const status = { ...AUTOMATION, subresource: "status" };
    expect(await can(op, "patch", "livesynchronizations", status)).toBe(true);
    expect(await can(op, "update", "livesynchronizations", status)).toBe(true);
    expect(await can(op, "patch", "taskruns", status)).toBe(true);
    expect(await can(op, "patch", "buckets", { ...ASSETS, subresource: "status" })).toBe(true);
    expect(await can(op, "patch", "livesynchronizations", AUTOMATION)).toBe(true); // suspend
    for (const verb of ["create", "patch", "update", "delete"])
      expect(await can(op, verb, "tasks", AUTOMATION), verb).toBe(true);
    expect(await can(op, "update", "leases", { group: "coordination.k8s.io" })).toBe(true);
    expect(await can(op, "create", "events")).toBe(true);
    for (const resource of ["backups", "backupschedules", "restores"]) {
      for (const verb of ["get", "list", "watch", "create", "update", "patch", "delete"])
        expect(await can(op, verb, resource, BACKUP), `${verb} ${resource}`).toBe(true);
      for (const verb of ["patch", "update"])
        expect(await can(op, verb, resource, { ...BACKUP, subresource: "status" })).toBe(true);
      for (const sa of ["livesync-synchronizer", "livesync-archiver"])
        expect(await can(sa, "create", resource, BACKUP), `${sa} ${resource}`).toBe(false);
    }
    // Users own the LiveSynchronizations: the operator never creates or deletes them.
    expect(await can(op, "delete", "livesynchronizations", AUTOMATION)).toBe(false);
    expect(await can(op, "create", "taskruns", AUTOMATION)).toBe(false);

    for (const sa of ["livesync-events-listener", "livesync-synchronizer", "livesync-archiver"]) {
      expect(await can(sa, "patch", "livesynchronizations", status), sa).toBe(false);
      expect(await can(sa, "create", "tasks", AUTOMATION), sa).toBe(false);
      expect(await can(sa, "update", "leases", { group: "coordination.k8s.io" }), sa).toBe(false);
    }
  });

  describe("monitoring.enabled=true", () => {
    const objs = () => render(EVERYTHING);
    const rules = () =>
      named(objs(), "PrometheusRule", "livesync").spec.groups.flatMap(
        (g: { rules: { alert: string; expr: string }[] }) => g.rules,
      ) as { alert: string; expr: string }[];
    const dashboard = () =>
      JSON.parse(
        readFileSync(repo("deploy/helm/livesync/dashboards/livesync-dashboard.json"), "utf8"),
      );
    const dashboardExprs = (): string[] =>
      // eslint-disable-next-line @typescript-eslint/no-explicit-any -- Grafana's JSON model
      dashboard().panels.flatMap((p: any) => (p.targets ?? []).map((t: any) => t.expr));

    it("the ServiceMonitor scrapes exactly the four metrics Services on their metrics port", () => {
      const all = objs();
      const sm = named(all, "ServiceMonitor", "livesync");
      const selected = all.filter(
        (o) =>
          o.kind === "Service" &&
          Object.entries(sm.spec.selector.matchLabels).every(
            ([k, v]) => o.metadata.labels?.[k] === v,
          ),
      );
      expect(selected.map((s) => s.metadata.name).sort()).toEqual(
        Object.keys(COMPONENTS)
          .map((n) => `${n}-metrics`)
          .sort(),
      );
      expect(sm.spec.namespaceSelector.matchNames).toEqual([ns]);
      expect(sm.spec.endpoints[0].port).toBe("metrics");
    });

    it("alerts on lag, failed objects, backlog, an unreachable destination, archiver retrying, no active listener, components down, backups failed or missed", () => {
      expect([...new Set(rules().map((r) => r.alert))].sort()).toEqual([
        "LivesyncArchiverRetrying",
        "LivesyncBackupFailed",
        "LivesyncBackupMissed",
        "LivesyncComponentDown",
        "LivesyncDestinationUnreachable",
        "LivesyncEventsBacklog",
        "LivesyncFailedObjects",
        "LivesyncNoActiveListener",
        "LivesyncReplicationLag",
      ]);
      for (const r of rules()) expect(r.expr, r.alert).toContain(`namespace="${ns}"`);
    });

    it("the alerts and the dashboard use only metrics livesync exports", () => {
      // The names the services' sources declare (the engine's gauges, the operator's backup
      // metrics, ...) and prom-client's process metrics; a histogram's series add suffixes.
      const exported = new Set(
        sourceFiles(repo("services/")).flatMap((f) =>
          [...readFileSync(f, "utf8").matchAll(/"(livesync_[a-z_]+)"/g)].map((m) => m[1]),
        ),
      );
      expect(exported.size).toBeGreaterThan(5);
      const used = [...rules().map((r) => r.expr), ...dashboardExprs()].flatMap((e) =>
        [...e.matchAll(/\b(livesync_[a-z_]+)/g)].map((m) =>
          m[1]!.replace(/_(bucket|sum|count)$/, ""),
        ),
      );
      for (const m of new Set(used))
        if (!m.startsWith("livesync_process_")) expect(exported, m).toContain(m);
    });

    it("the dashboard ConfigMap carries deploy/helm/livesync/dashboards/livesync-dashboard.json for Grafana's sidecar", () => {
      const cm = named(objs(), "ConfigMap", "livesync-dashboard");
      expect(cm.metadata.labels?.grafana_dashboard).toBe("1");
      expect(JSON.parse(cm.data["livesync-dashboard.json"])).toEqual(dashboard());
      expect(dashboard().uid).toBe("livesync");
    });

    const promtool = spawnSync("promtool", ["--version"]).status === 0;
    it.skipIf(!promtool)(
      "promtool: the backup alerts fire on a first failure, a later one, and a missed schedule",
      () => {
        const dir = mkdtempSync(join(tmpdir(), "livesync-rules-"));
        try {
          // Labels are what is checked: annotations are templates promtool would need verbatim.
          const groups = named(objs(), "PrometheusRule", "livesync")
            .spec.groups.map((g: { name: string; rules: Record<string, unknown>[] }) => ({
              ...g,
              rules: g.rules.map(({ annotations: _, ...rule }) => rule),
            }))
            .filter((g: { name: string }) => g.name === "livesync-backups");
          writeFileSync(join(dir, "rules.json"), JSON.stringify({ groups }));
          const series = (name: string, labels: string, values: string) => ({
            series: `${name}{namespace="${ns}",pod="operator-1",${labels}}`,
            values,
          });
          const alert = (name: string, at: string, schedule?: string) => ({
            eval_time: at,
            alertname: name,
            exp_alerts: schedule
              ? [
                  {
                    exp_labels: {
                      namespace: ns,
                      schedule,
                      severity: name === "LivesyncBackupFailed" ? "warning" : "critical",
                    },
                  },
                ]
              : [],
          });
          const failed = "LivesyncBackupFailed";
          const missed = "LivesyncBackupMissed";
          const test = {
            rule_files: ["rules.json"],
            evaluation_interval: "1m",
            tests: [
              {
                interval: "1m",
                input_series: [
                  // nightly: a first failure at 60 min (the counter appears at 1), a second at 150.
                  series(
                    "livesync_backup_total",
                    'schedule="nightly",phase="Failed"',
                    "_x59 1x89 2x30",
                  ),
                  series("livesync_backup_total", 'schedule="hourly",phase="Completed"', "1+1x180"),
                  // nightly last succeeded at 0 with a 1 h interval; hourly succeeds all along.
                  series(
                    "livesync_backup_last_success_timestamp_seconds",
                    'schedule="nightly"',
                    "0x180",
                  ),
                  series(
                    "livesync_backup_schedule_interval_seconds",
                    'schedule="nightly"',
                    "3600x180",
                  ),
                  series(
                    "livesync_backup_last_success_timestamp_seconds",
                    'schedule="hourly"',
                    "0+60x180",
                  ),
                  series(
                    "livesync_backup_schedule_interval_seconds",
                    'schedule="hourly"',
                    "3600x180",
                  ),
                ],
                alert_rule_test: [
                  alert(failed, "30m"),
                  alert(failed, "61m", "nightly"),
                  alert(failed, "100m", "nightly"),
                  alert(failed, "125m"),
                  alert(failed, "155m", "nightly"),
                  alert(missed, "100m"),
                  alert(missed, "130m", "nightly"),
                ],
              },
            ],
          };
          const file = join(dir, "test.json");
          writeFileSync(file, JSON.stringify(test));
          const res = spawnSync("promtool", ["test", "rules", file], { encoding: "utf8" });
          expect(res.status, res.stdout + res.stderr).toBe(0);
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      },
    );
    it.skipIf(!promtool)("promtool accepts the alert rules and the dashboard's queries", () => {
      const dir = mkdtempSync(join(tmpdir(), "livesync-rules-"));
      try {
        const alerts = named(objs(), "PrometheusRule", "livesync").spec;
        // The dashboard's queries as recording rules, with its variables filled in.
        const queries = dashboardExprs().map((expr, i) => ({
          record: `livesync:dashboard_query_${i}`,
          expr: expr.replaceAll("$namespace", ns).replaceAll("$live_sync", ".*"),
        }));
        const file = join(dir, "rules.json"); // JSON is YAML
        writeFileSync(
          file,
          JSON.stringify({ groups: [...alerts.groups, { name: "dashboard", rules: queries }] }),
        );
        const res = spawnSync("promtool", ["check", "rules", file], { encoding: "utf8" });
        expect(res.status, res.stdout + res.stderr).toBe(0);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
});
