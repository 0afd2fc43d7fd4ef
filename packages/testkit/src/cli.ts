#!/usr/bin/env -S npx tsx
import { pathToFileURL } from "node:url";
import type { NatsAuthSetup } from "./components/nats.js";
import { down, status, up } from "./environment.js";
import { envFile, testenvDir } from "./env.js";
import { testenvNatsCluster } from "./nats-cluster.js";

const usage = `usage: testenv <up|down|status|chart|nats> [--fresh] [--node] [--nats-cluster] [--nats-auth]
  up      start source and destination clusters, NATS JetStream, S3 and Prometheus
          (or reuse the live ones .testenv/env.json describes); --fresh restarts them;
          --node gives the management cluster a real node (containerd, kubelet; root only);
          --nats-cluster starts three routed JetStream servers instead of one
          (LIVESYNC_TESTENV_NATS_NODES=N: N servers);
          --nats-auth: NATS requires TLS and a password per livesync component, each with
          its least-privilege permissions (users and CA in env.json)
  chart   install or upgrade the Helm chart into the management cluster's node
          (namespace livesync-system) with the local images (--image repo:tag, default
          livesync:<appVersion> from 'pnpm image'); waits until its pods are Ready
  nats    kill <node|all> (SIGKILL) or restart <node|all> (same name, ports and store)
          a server of the --nats-cluster
  down    stop everything 'up' started; logs stay under .testenv/
  status  what runs and whether it answers`;

export interface TestenvCliOptions {
  /** The users and permissions of a secured NATS: livesync's own (the testkit knows no roles). */
  natsAuth?: () => NatsAuthSetup;
}

/** `testenv <command>`; returns the exit code. */
export async function runTestenvCli(argv: string[], opts: TestenvCliOptions = {}): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case "up": {
      if (rest.includes("--nats-auth") && !opts.natsAuth) {
        console.error("--nats-auth: run it as `pnpm testenv up --nats-auth` (scripts/testenv.ts)");
        return 2;
      }
      const result = await up({
        fresh: rest.includes("--fresh"),
        ...(rest.includes("--node") ? { node: true } : {}),
        natsNodes: rest.includes("--nats-cluster") ? 3 : undefined,
        ...(rest.includes("--nats-auth") ? { natsAuth: opts.natsAuth!() } : {}),
      });
      const verb = result.startedHere ? "started" : "reused";
      console.log(`testenv ${verb} in ${result.seconds.toFixed(1)} s: ${envFile()}`);
      for (const [name, c] of Object.entries(result.env.clusters)) {
        console.log(`  cluster ${name.padEnd(12)} ${c.server}  (KUBECONFIG=${c.kubeconfig})`);
      }
      for (const n of result.env.nats.nodes ?? [{ name: "", url: result.env.nats.url, pid: 0 }]) {
        const node = n.name ? ` ${n.name} pid ${n.pid}` : "";
        console.log(`  nats${node.padEnd(16)} ${n.url}`);
      }
      const auth = result.env.nats.auth;
      if (auth) {
        console.log(`                       TLS CA ${auth.caFile}; users (passwords in env.json):`);
        console.log(`                       ${Object.keys(auth.users).join(", ")}`);
      }
      console.log(
        `  s3                   ${result.env.s3.endpoint} bucket ${result.env.s3.bucket}`,
      );
      console.log(`  prometheus           ${result.env.prometheus.url}`);
      const node = result.env.node;
      if (node)
        console.log(`  node                 ${node.name} (${node.address}, pods ${node.podCIDR})`);
      return 0;
    }
    case "chart": {
      const { installChart } = await import("./chart.js");
      const i = rest.indexOf("--image");
      await installChart({ log: console.log, ...(i >= 0 ? { image: rest[i + 1] } : {}) });
      return 0;
    }
    case "nats": {
      const [action, which] = rest;
      if ((action !== "kill" && action !== "restart") || !which) {
        console.error(usage);
        return 2;
      }
      const cluster = testenvNatsCluster();
      if (action === "kill") await (which === "all" ? cluster.killAll() : cluster.kill(which));
      else await (which === "all" ? cluster.restartAll() : cluster.restart(which));
      for (const n of cluster.nodes)
        console.log(`  nats ${n.name.padEnd(7)} pid ${n.pid}  ${n.url}`);
      return 0;
    }
    case "down":
      await down();
      console.log(`testenv stopped (logs in ${testenvDir()})`);
      return 0;
    case "status": {
      const s = await status();
      if (!s.env && s.processes.length === 0) {
        console.log("testenv is not running");
        return 1;
      }
      for (const c of s.components) {
        const mark = c.healthy ? "ok  " : "DOWN";
        console.log(
          `${mark} ${c.component.padEnd(20)} ${c.endpoint}${c.detail ? `  ${c.detail}` : ""}`,
        );
      }
      for (const p of s.processes) {
        console.log(`${p.alive ? "pid " : "dead"} ${String(p.pid).padEnd(8)} ${p.component}`);
      }
      return s.components.every((c) => c.healthy) && s.processes.every((p) => p.alive) ? 0 : 1;
    }
    default:
      console.error(usage);
      return 2;
  }
}

// Run as a command (not imported by scripts/testenv.ts, which passes livesync's NATS users).
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  runTestenvCli(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      console.error(err instanceof Error ? err.message : err);
      process.exit(1);
    },
  );
}
