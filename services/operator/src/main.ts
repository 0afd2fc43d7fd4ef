#!/usr/bin/env -S npx tsx
/**
 * The `livesync` command: `operator` runs the operator against a management cluster; every
 * other command (`run`, `validate`) is the CLI's. Lives here because the operator depends on
 * the CLI's engine, not the other way round.
 */
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { Cluster } from "@livesync/kube";
import { createLogger } from "@livesync/telemetry";
import { runCli } from "@livesync/cli/main";
import { Operator } from "./operator.js";

const usage = `usage: livesync operator --kubeconfig <management-kubeconfig> [--namespace NS] [--nats URL]
  runs the operator and every service in this process against a management cluster`;

async function operator(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      kubeconfig: { type: "string" },
      namespace: { type: "string" },
      nats: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help || !values.kubeconfig) {
    console.error(usage);
    return values.help ? 0 : 2;
  }
  const log = createLogger("livesync-operator");
  const management = await Cluster.fromKubeConfigYaml(
    "management",
    readFileSync(values.kubeconfig, "utf8"),
  );
  const op = await Operator.start({
    management,
    namespace: values.namespace,
    engineOptions: { natsUrl: values.nats },
    onError: (err) => log.warn({ err: err.message }, "pass failed; retrying"),
  });
  log.info(
    { namespace: values.namespace ?? "(all)", bus: values.nats ? "jetstream" : "in-process" },
    "operator started",
  );
  await new Promise<void>((resolve) => {
    process.once("SIGINT", resolve);
    process.once("SIGTERM", resolve);
  });
  log.info("stopping");
  await op.stop();
  management.close();
  return 0;
}

const [command, ...rest] = process.argv.slice(2);
(command === "operator" ? operator(rest) : runCli(process.argv.slice(2))).then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  },
);
