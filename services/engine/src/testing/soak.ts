/**
 * The soak: one LiveSynchronization (ConfigMaps, transformed, archived) run as three processes
 * (events-listener with the reconciler, synchronizer, archiver) on a NATS cluster of its own
 * (three JetStream nodes by default), while the source changes at a steady rate and a random
 * component is SIGKILLed at a fixed period (or a NATS node, started again a few seconds later). At
 * the end the destination must equal the transformed source object by object and the bucket the
 * sanitised source, and the memory of each process must not have grown without bound.
 * `pnpm bench soak` runs it for 30 minutes; an integration test runs a 3-minute variant.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { JetStreamBus } from "@livesync/bus";
import { KubeRest } from "@livesync/kube";
import {
  kubeConfigFor,
  s3Client,
  startPrivateNats,
  startPrivateNatsCluster,
  type TestEnvironment,
} from "@livesync/testkit";
import { BUCKET_NAME, LS_NAMESPACE, manifestsFor, uniq } from "../testing.js";
import {
  agrees,
  churnedConfigMaps,
  compareBucket,
  compareDestination,
  ConfigMapChurn,
  type ChurnCounts,
  type Comparison,
} from "./configmaps.js";
import { summarizeRss, Supervised, type RssSummary } from "./supervised.js";

export interface SoakOptions {
  minutes: number;
  /** Source changes per second (creates, updates, deletes). */
  rate: number;
  objects: number;
  /** A component is killed this often. */
  killEverySeconds: number;
  namespaces?: number;
  /**
   * NATS servers: 3 (default) is a JetStream cluster whose streams have three replicas, and the
   * NATS fault kills one node of it; 1 is a single server, killed whole.
   */
  natsNodes?: number;
  /** How long convergence may take once the changes stop. */
  convergeTimeoutSeconds?: number;
  log?: (line: string) => void;
  /** Ends the soak early: the churn and the kills stop, everything started is cleaned up. */
  signal?: AbortSignal;
}

export type SoakTarget = "events-listener" | "synchronizer" | "archiver" | "nats";

export interface SoakResult {
  minutes: number;
  rate: number;
  /** Changes per second the source actually took (the seeding not counted). */
  achievedRate: number;
  objects: number;
  /** Every request to the source, the seeding included. */
  changes: ChurnCounts;
  /** `node`: which NATS server was killed, when the target is NATS. */
  kills: { atSeconds: number; target: SoakTarget; node?: string }[];
  natsNodes: number;
  destination: Summary;
  bucket: Summary;
  convergeSeconds: number;
  deadLetters: number;
  rss: Record<string, RssSummary & { restarts: number }>;
  ok: boolean;
}

type Summary = Pick<Comparison, "compared"> & {
  lost: number;
  resurrected: number;
  different: number;
  examples: string[];
};

const COMPONENTS = ["events-listener", "synchronizer", "archiver"] as const;

export async function runSoak(env: TestEnvironment, o: SoakOptions): Promise<SoakResult> {
  const log = o.log ?? (() => undefined);
  const signal = o.signal ?? new AbortController().signal;
  const sleep = (ms: number) => pause(ms, signal);
  const run = uniq("soak");
  const dir = mkdtempSync(join(tmpdir(), `livesync-${run}-`));
  const cleanups: (() => Promise<unknown>)[] = [];
  try {
    const natsNodes = o.natsNodes ?? 3;
    const nats = await startSoakNats(run, natsNodes);
    cleanups.push(() => nats.stop());
    const source = await KubeRest.fromKubeConfig(kubeConfigFor(env, "source"));
    const destination = await KubeRest.fromKubeConfig(kubeConfigFor(env, "destination"));
    cleanups.push(async () => [source, destination].forEach((r) => r.close()));
    const namespaces = Array.from({ length: o.namespaces ?? 4 }, (_, i) => `${run}-${i}`);
    for (const name of namespaces) {
      await source.request("POST", "/api/v1/namespaces", {
        body: { metadata: { name, labels: { "livesync.test/soak": run } } },
      });
      for (const rest of [source, destination]) {
        cleanups.push(() => rest.request("DELETE", `/api/v1/namespaces/${name}`).catch(() => 0));
      }
    }
    const churn = new ConfigMapChurn(source, namespaces, o.objects);
    log(`seeding ${o.objects} ConfigMaps in ${namespaces.length} namespaces`);
    await churn.seed();

    const liveSync = uniq("soak");
    const manifests = manifestsFor(env, [
      {
        name: liveSync,
        bucket: true,
        resources: [churnedConfigMaps({ "livesync.test/soak": run })],
      },
    ]);
    const manifestsFile = join(dir, "manifests.json");
    writeFileSync(manifestsFile, JSON.stringify(manifests));
    const stream = run.toUpperCase().replace(/-/g, "_");
    const child = join(import.meta.dirname, "soak-child.ts");
    const procs = COMPONENTS.map(
      (c) =>
        new Supervised(
          c,
          process.execPath,
          ["--import", "tsx", child, c, manifestsFile, nats.url, stream],
          join(dir, `${c}.log`),
        ),
    );
    cleanups.push(() => Promise.all(procs.map((p) => p.stop())));

    const seeded = churnCount(churn.counts);
    const began = Date.now();
    const end = began + o.minutes * 60_000;
    const kills: SoakResult["kills"] = [];
    const targets: SoakTarget[] = [...COMPONENTS, "nats"];
    const killer = (async () => {
      for (;;) {
        const next = Date.now() + o.killEverySeconds * 1000;
        if (next >= end) return;
        await sleep(next - Date.now());
        if (signal.aborted) return;
        const target = targets[Math.floor(Math.random() * targets.length)]!;
        const kill: SoakResult["kills"][number] = {
          atSeconds: Math.round((Date.now() - began) / 1000),
          target,
        };
        kills.push(kill);
        if (target === "nats") {
          kill.node = await nats.killOne();
          log(`killed NATS ${kill.node} at ${kill.atSeconds} s`);
          await sleep(3_000);
          await nats.restart();
        } else {
          log(`kill ${target} at ${kill.atSeconds} s`);
          procs.find((p) => p.name === target)!.kill();
        }
      }
    })();
    const changes = (async () => {
      const interval = 1000 / o.rate;
      let due = Date.now();
      while (Date.now() < end && !signal.aborted) {
        // A steady rate: changes are started on schedule, a slow one does not delay the next.
        void churn.step();
        due += interval;
        await sleep(due - Date.now());
      }
    })();
    await Promise.all([killer, changes]);
    signal.throwIfAborted();
    const churnSeconds = (Date.now() - began) / 1000;
    log(`changes stopped: ${JSON.stringify(churn.counts)}; waiting for convergence`);
    await sleep(2_000); // the last requests in flight

    const stopped = Date.now();
    const s3 = s3Client(env.s3);
    cleanups.push(async () => s3.destroy());
    const compare = () =>
      Promise.all([
        compareDestination(source, destination, namespaces, `${LS_NAMESPACE}/${liveSync}`),
        compareBucket(
          s3,
          env.s3.bucket,
          `${LS_NAMESPACE}/${BUCKET_NAME}/`,
          source,
          namespaces,
          churn.deleted,
        ),
      ]);
    let [dst, bkt] = await compare();
    const deadline = stopped + (o.convergeTimeoutSeconds ?? 600) * 1000;
    while (!(agrees(dst) && agrees(bkt)) && Date.now() < deadline) {
      await sleep(2_000);
      signal.throwIfAborted();
      [dst, bkt] = await compare();
    }
    const convergeSeconds = (Date.now() - stopped) / 1000;
    const bus = await JetStreamBus.connect({
      url: nats.url,
      stream,
      subjects: [`livesync.${stream.toLowerCase()}.>`],
    });
    const deadLetters = (await bus.deadLetters()).length;
    await bus.close();
    const rss = Object.fromEntries(
      procs.map((p) => [p.name, { ...summarizeRss(p.samples, 60_000), restarts: p.restarts }]),
    );
    const result: SoakResult = {
      minutes: o.minutes,
      rate: o.rate,
      achievedRate: Math.round(((churnCount(churn.counts) - seeded) / churnSeconds) * 10) / 10,
      objects: o.objects,
      changes: churn.counts,
      kills,
      natsNodes,
      destination: summary(dst),
      bucket: summary(bkt),
      convergeSeconds,
      deadLetters,
      rss,
      ok: false,
    };
    result.ok =
      agrees(dst) && agrees(bkt) && deadLetters === 0 && Object.values(rss).every((r) => r.bounded);
    return result;
  } finally {
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The bus the soak kills: one server whole, or one node of a cluster at a time. */
interface SoakNats {
  url: string;
  /** SIGKILLs a server (a random node of a cluster); returns its name. */
  killOne(): Promise<string>;
  /** Starts the killed server again: same ports and store. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

async function startSoakNats(run: string, nodes: number): Promise<SoakNats> {
  if (nodes <= 1) {
    const server = await startPrivateNats(run);
    return {
      url: server.url,
      killOne: async () => (await server.kill(), "nats"),
      restart: server.start,
      stop: server.stop,
    };
  }
  const cluster = await startPrivateNatsCluster({ size: nodes });
  let killed: string | undefined;
  return {
    url: cluster.url,
    killOne: async () => {
      killed = cluster.nodes[Math.floor(Math.random() * cluster.nodes.length)]!.name;
      await cluster.kill(killed);
      return killed;
    },
    restart: async () => {
      if (killed) await cluster.restart(killed);
    },
    stop: () => cluster.destroy(),
  };
}

const churnCount = (c: ChurnCounts) => c.created + c.updated + c.deleted;

function summary(c: Comparison): Summary {
  return {
    compared: c.compared,
    lost: c.lost.length,
    resurrected: c.resurrected.length,
    different: c.different.length,
    examples: [...c.lost, ...c.resurrected, ...c.different].slice(0, 10),
  };
}

/** The result as the table `pnpm bench soak` prints. */
export function soakTable(r: SoakResult): string {
  const rows: string[][] = [["", "compared", "lost", "resurrected", "different"]];
  for (const [name, s] of [
    ["destination", r.destination],
    ["bucket", r.bucket],
  ] as const) {
    rows.push([name, ...[s.compared, s.lost, s.resurrected, s.different].map(String)]);
  }
  rows.push([]);
  rows.push(["process", "first MB", "peak MB", "last MB", "restarts", "bounded"]);
  for (const [name, s] of Object.entries(r.rss)) {
    rows.push([
      name,
      ...[s.firstMB, s.peakMB, s.lastMB, s.restarts].map(String),
      String(s.bounded),
    ]);
  }
  const widths = rows.reduce<number[]>(
    (w, row) => row.map((cell, i) => Math.max(w[i] ?? 0, cell.length)),
    [],
  );
  const table = rows.map((row) => row.map((c, i) => c.padEnd(widths[i]!)).join("  ")).join("\n");
  const killed = r.kills.map((k) => `${k.node ?? k.target}@${k.atSeconds}s`).join(" ");
  return (
    `soak: ${r.minutes} min, ${r.natsNodes} NATS server(s), ` +
    `at ${r.achievedRate}/${r.rate} changes/s across ${r.objects} objects; ` +
    `changes ${JSON.stringify(r.changes)}\nkills: ${killed || "none"}\n${table}\n` +
    `converged ${r.convergeSeconds.toFixed(1)} s after the last change; dead letters: ${r.deadLetters}; ` +
    `${r.ok ? "OK" : "FAILED"}`
  );
}

/** Resolves after `ms`, or at once when the soak is aborted (the loops then check). */
const pause = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, Math.max(0, ms));
    signal.addEventListener("abort", done, { once: true });
  });
