#!/usr/bin/env node
/**
 * The `livesync` command, its one entry point: `run` and `validate` here, `operator` from the
 * operator package. Commands that parse their own flags are dispatched before anything else.
 */
import { parseArgs } from "node:util";
import {
  Engine,
  loadManifests,
  NATS_AUTH_FLAGS,
  NATS_AUTH_USAGE,
  natsAuthFrom,
  natsReplicasFlag,
  registerEngineMetrics,
  type LiveSyncStatus,
} from "@livesync/engine";
import { createLogger, startTelemetryIfAsked } from "@livesync/telemetry";

const usage = `usage:
  livesync run -f <file-or-dir> [-f …] [--nats <url>[,<url>…] [--stream NAME] [--nats-replicas N]]
                                  [--metrics-port P]
                                  run every service in this process until SIGINT/SIGTERM
  livesync validate -f <file-or-dir> [-f …]              check manifests offline; exit 1 on any problem
  livesync operator [--kubeconfig <file>] [--namespace NS] [--nats URL] [--components LIST] …
                                  run the operator against a management cluster
                                  (livesync operator --help lists its flags)
  livesync backup create|list|describe|export|verify|delete …   point-in-time backups
  livesync restore create|describe …                             restore a backup into a cluster
${NATS_AUTH_USAGE}`;

/**
 * Commands with flags of their own, given everything after their name. Loaded on use: a pod
 * running one component does not keep the backup and restore modules in memory.
 */
const commands = new Map<string, () => Promise<(argv: string[]) => Promise<number>>>([
  ["operator", async () => (await import("@livesync/operator/main")).runOperator],
  ["backup", async () => (await import("./backup/index.js")).runBackupCommand],
  ["restore", async () => (await import("./restore/index.js")).runRestoreCommand],
]);

/** `livesync <command> …`; returns the exit code. */
async function runCli(argv: string[]): Promise<number> {
  const command = commands.get(argv[0] ?? "");
  if (command) return (await command())(argv.slice(1));
  return runOrValidate(argv);
}

/** `livesync run|validate`. */
async function runOrValidate(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      file: { type: "string", short: "f", multiple: true },
      nats: { type: "string" },
      ...NATS_AUTH_FLAGS,
      stream: { type: "string" },
      "nats-replicas": { type: "string" },
      "metrics-port": { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  const [command] = positionals;
  if (values.help || !command || !values.file?.length) {
    console.error(usage);
    return values.help ? 0 : 2;
  }
  const { manifests, problems } = loadManifests(values.file);
  for (const p of problems) console.error(`${p.where}: ${p.message}`);

  if (command === "validate") {
    const n = manifests.liveSyncs.length + manifests.clusters.length;
    console.error(
      problems.length ? `${problems.length} problem(s) found` : `ok: ${n} livesync object(s) valid`,
    );
    return problems.length ? 1 : 0;
  }
  if (command !== "run") {
    console.error(usage);
    return 2;
  }
  if (manifests.liveSyncs.length === 0) {
    console.error("nothing to run: no valid LiveSynchronization");
    return 1;
  }
  const log = createLogger("livesync");
  const engine = await Engine.start(manifests, {
    natsUrl: values.nats,
    natsAuth: natsAuthFrom(values),
    stream: values.stream,
    natsReplicas: natsReplicasFlag(values["nats-replicas"]),
    onBusWaiting: (err) =>
      log.warn({ nats: values.nats, err: err.message }, "NATS not reachable yet; waiting"),
  });
  log.info(
    { liveSyncs: manifests.liveSyncs.length, bus: values.nats ? "jetstream" : "in-process" },
    "started",
  );
  console.error(
    `livesync running ${manifests.liveSyncs.length} LiveSynchronization(s) on ${values.nats ?? "an in-process bus"}; Ctrl-C stops`,
  );
  // /metrics, /healthz, /readyz on 127.0.0.1 (0.0.0.0 in a pod: LIVESYNC_METRICS_HOST).
  const telemetry = await startTelemetryIfAsked(values["metrics-port"], async () =>
    (await engine.status()).every((s) => s.state !== "error"),
  );
  if (telemetry) {
    registerEngineMetrics(telemetry.registry, engine);
    console.error(`metrics on http://${telemetry.address}/metrics`);
  }
  const seen = new Map<string, string>();
  const timer = setInterval(async () => {
    const statuses = await engine.status();
    printStatus(statuses);
    // Log changes only: state transitions and problems appearing or clearing.
    for (const s of statuses) {
      const now = JSON.stringify([s.state, s.problems]);
      if (seen.get(s.liveSync) === now) continue;
      seen.set(s.liveSync, now);
      const fields = { liveSync: s.liveSync, state: s.state, problems: s.problems };
      if (s.problems.length) log.warn(fields, "status changed");
      else log.info(fields, "status changed");
    }
  }, 2_000);
  await new Promise<void>((resolve) => {
    process.once("SIGINT", resolve);
    process.once("SIGTERM", resolve);
  });
  clearInterval(timer);
  log.info("stopping: draining in-flight events");
  await telemetry?.close();
  await engine.stop();
  return 0;
}

function printStatus(statuses: LiveSyncStatus[]): void {
  for (const s of statuses) {
    const lag = s.lagMs === undefined ? "-" : `${s.lagMs}ms`;
    console.log(
      `${s.liveSync}  ${s.state}  synced=${s.synced} bus-pending=${s.pending} failed=${s.failed} conflicts=${s.conflicts} lag=${lag}`,
    );
    const r = s.lastReconcile;
    if (r) {
      console.log(
        `  last reconcile ${r.at}: pruned=${r.pruned} repaired=${r.repaired} missing=${r.missing} stale=${r.stale} (${r.durationMs} ms)`,
      );
    }
    for (const p of s.problems) console.log(`  ! ${p}`);
  }
}

runCli(process.argv.slice(2)).then(
  // Writes to a pipe are asynchronous: exit once stdout has flushed, or a large -o json is cut.
  (code) => process.stdout.write("", () => process.exit(code)),
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  },
);
