/**
 * scale: for each N of --objects (default 1000,10000,50000), N ConfigMaps (--bytes each, over
 * --namespaces namespaces) exist in the source; livesync runs as the chart deploys it (operator,
 * events-listener, synchronizer, archiver: one process each, fresh for every N) and replicates
 * them to the destination and their originals to the bucket. Reported per N: seconds until every
 * copy is in the destination (from the LiveSynchronization's creation), per-object cost, and the
 * peak RSS of each process. The reconciler runs inside the events-listener's process (its first
 * pass is awaited, so that peak includes it) and is measured alone too: one full pass in a
 * process of its own. Goals: <= 250 MB per component at 50,000; per-object time flat from
 * 1,000 to 20,000.
 */
import { removeBucketPrefix, removeNamespaces } from "./backup-common.js";
import {
  arg,
  argList,
  benchConfigMaps,
  benchContext,
  configMap,
  createConfigMaps,
  createNamespace,
} from "./common.js";
import { measuredChild } from "./processes.js";
import { livesyncCommands } from "./production-app.js";
import { SplitDeployment } from "./split-deployment.js";

const sizes = argList("objects", [1_000, 10_000, 50_000]);
const namespaces = arg("namespaces", 10);
const bytes = arg("bytes", 1_024);
const { env, source, destination, run } = await benchContext();
const commands = livesyncCommands();

/** One full reconcile pass of `liveSync` in a process of its own: its seconds and peak RSS. */
async function reconcilerAlone(liveSync: string, resources: object[]) {
  const kubeconfig = (name: string) => env.clusters[name]!.kubeconfig;
  const input = {
    liveSync,
    resources,
    source: kubeconfig("source"),
    destination: kubeconfig("destination"),
  };
  const r = await measuredChild(process.execPath, [
    ...commands.reconcilePass,
    JSON.stringify(input),
  ]);
  if (r.code !== 0) throw new Error(`reconcile pass failed: ${r.stderr.trim().slice(-500)}`);
  const out = JSON.parse(r.stdout) as { seconds: number; report: { pruned: number } };
  return { seconds: out.seconds, pruned: out.report.pruned, peakRssMB: r.peakRssMB };
}

async function scaleRun(objects: number) {
  const id = `${run}-${objects}`;
  const nss = Array.from({ length: namespaces }, (_, i) => `bench-scale-${id}-${i}`);
  for (const ns of nss) await createNamespace(source.rest, ns, { bench: id });
  const t0 = performance.now();
  await createConfigMaps(
    source,
    Array.from({ length: objects }, (_, i) => configMap(nss[i % namespaces]!, `cm-${i}`, bytes)),
  );
  const sourceSeconds = (performance.now() - t0) / 1000;

  const livesync = await SplitDeployment.start(
    env,
    id.replaceAll("-", ""),
    ["controller", "events-listener", "synchronizer", "archiver"],
    commands.cli,
  );
  const name = "scale";
  const resources = [benchConfigMaps(id)];
  try {
    const start = performance.now();
    await livesync.liveSync(name, resources, true);
    await livesync.until("synchronizer", "livesync_synced_objects", name, objects);
    const seconds = (performance.now() - start) / 1000;
    await livesync.until("archiver", "livesync_archived_objects", name, objects);
    const archiveSeconds = (performance.now() - start) / 1000;
    // The listener's process runs the reconciler too: its first pass belongs in that peak.
    await livesync.until("events-listener", "livesync_reconcile_last_pruned", name);
    const rssMB = await livesync.stop();
    const reconciler = await reconcilerAlone(`${livesync.namespace}/${name}`, [
      { group: "", ...resources[0] },
    ]);
    return {
      objects,
      seconds: round(seconds),
      perObjectMs: round((seconds * 1000) / objects),
      rssMB: { ...rssMB, reconciler: reconciler.peakRssMB },
      archiveSeconds: round(archiveSeconds),
      reconcilePassSeconds: round(reconciler.seconds),
      sourceSetupSeconds: round(sourceSeconds),
    };
  } finally {
    await livesync.stop().catch(() => undefined);
    await removeNamespaces(source.rest, nss);
    await removeNamespaces(destination.rest, nss);
    await removeBucketPrefix(env, `${livesync.namespace}/`);
  }
}

const round = (n: number) => Math.round(n * 100) / 100;
const runs = [];
for (const n of sizes) runs.push(await scaleRun(n));
source.close();
destination.close();
console.log(
  JSON.stringify(
    {
      benchmark: "scale",
      namespaces,
      objectBytes: bytes,
      what: {
        seconds: "LiveSynchronization created -> every copy in the destination",
        rssMB:
          "peak RSS (VmHWM) of each process; listener = the events-listener's process (its reconcile pass included), reconciler = one full pass alone",
      },
      runs,
      goals: { rssMB: "<= 250 per component at 50,000", perObjectMs: "flat 1,000 -> 20,000" },
    },
    null,
    2,
  ),
);
process.exit(0);
