/**
 * `livesync operator`: its flags, and the operator (with the engine's components it is asked to
 * run) started from them until SIGINT/SIGTERM. The `livesync` command (services/cli) calls it.
 */
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import {
  COMPONENTS,
  NATS_AUTH_FLAGS,
  NATS_AUTH_USAGE,
  natsAuthFrom,
  natsReplicasFlag,
  registerEngineMetrics,
  type Component,
} from "@livesync/engine";
import { Cluster } from "@livesync/kube";
import { createLogger, startTelemetryIfAsked } from "@livesync/telemetry";
import { Operator } from "./operator.js";

const ROLES = ["controller", ...COMPONENTS] as const;

const usage = `usage: livesync operator [--kubeconfig <management-kubeconfig>] [--namespace NS] [--nats URL]
                         [--components LIST] [--leader-elect] [--metrics-port P]
  Runs the operator against a management cluster (in a pod: its service account when
  --kubeconfig is absent).
  --components   comma list of ${ROLES.join(", ")} (default: all, in this process)
  --nats URL     NATS JetStream (several servers: comma-separated); none: an in-process bus
  --nats-replicas N  replicas of livesync's streams, consumers and buckets (1-5; default 3
                 when NATS is a cluster of three or more servers, else 1)
  --leader-elect the controller duties only while holding the Lease livesync-operator
                 (in --namespace, or LIVESYNC_LEASE_NAMESPACE, default "default")
  --recovery-concurrency N  objects a TaskRun recovers at once (default 16)
  --backup-concurrency N    Backups the controller runs at once (default 2)
  --stream NAME  JetStream stream of the events (default LIVESYNC_EVENTS); every pod of one
                 installation must name the same
  --metrics-port /metrics, /healthz, /readyz (host LIVESYNC_METRICS_HOST, default 127.0.0.1)
${NATS_AUTH_USAGE}
  With a NATS credential only the controller creates the streams; the others wait for them.`;

function parseComponents(list: string | undefined): { controller: boolean; services: Component[] } {
  const names = (list ?? ROLES.join(","))
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  const unknown = names.filter((n) => !(ROLES as readonly string[]).includes(n));
  if (unknown.length)
    throw new Error(`--components: unknown ${unknown.join(", ")} (expected ${ROLES.join(", ")})`);
  return {
    controller: names.includes("controller"),
    services: COMPONENTS.filter((c) => names.includes(c)),
  };
}

/** `livesync operator [flags]`; returns the exit code. */
export async function runOperator(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      kubeconfig: { type: "string" },
      namespace: { type: "string" },
      nats: { type: "string" },
      stream: { type: "string" },
      ...NATS_AUTH_FLAGS,
      "nats-replicas": { type: "string" },
      components: { type: "string" },
      "leader-elect": { type: "boolean" },
      "metrics-port": { type: "string" },
      "recovery-concurrency": { type: "string" },
      "backup-concurrency": { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) {
    console.error(usage);
    return 0;
  }
  const { controller, services } = parseComponents(values.components);
  const natsAuth = natsAuthFrom(values);
  // A least-privilege credential may not create streams: that is the controller's.
  const provisionBus = controller || !(natsAuth.user || natsAuth.credsFile);
  const natsReplicas = natsReplicasFlag(values["nats-replicas"]);
  const log = createLogger("livesync-operator");
  const management = values.kubeconfig
    ? await Cluster.fromKubeConfigYaml("management", readFileSync(values.kubeconfig, "utf8"))
    : await Cluster.inCluster("management");
  const leaseNamespace = values.namespace ?? process.env.LIVESYNC_LEASE_NAMESPACE ?? "default";
  const op = await Operator.start({
    management,
    namespace: values.namespace,
    controller,
    engineOptions: {
      natsUrl: values.nats,
      stream: values.stream,
      natsAuth,
      provisionBus,
      natsReplicas,
      components: services,
      onBusWaiting: (err) =>
        log.warn({ nats: values.nats, err: err.message }, "NATS not reachable yet; waiting"),
    },
    leaderElection: values["leader-elect"] ? { namespace: leaseNamespace } : undefined,
    recoveryConcurrency: values["recovery-concurrency"]
      ? Number(values["recovery-concurrency"])
      : undefined,
    backups: values["backup-concurrency"]
      ? { concurrency: Number(values["backup-concurrency"]) }
      : undefined,
    onError: (err) => log.warn({ err: err.message }, "pass failed; retrying"),
  });
  const telemetry = await startTelemetryIfAsked(values["metrics-port"], () => true);
  if (telemetry && op.currentEngine) registerEngineMetrics(telemetry.registry, op.currentEngine);
  if (telemetry && controller) op.registerMetrics(telemetry.registry);
  log.info(
    {
      namespace: values.namespace ?? "(all)",
      bus: values.nats ? "jetstream" : "in-process",
      components: [...(controller ? ["controller"] : []), ...services],
      metrics: telemetry?.address,
    },
    "operator started",
  );
  await new Promise<void>((resolve) => {
    process.once("SIGINT", resolve);
    process.once("SIGTERM", resolve);
  });
  log.info("stopping");
  await op.stop();
  await telemetry?.close();
  management.close();
  return 0;
}
