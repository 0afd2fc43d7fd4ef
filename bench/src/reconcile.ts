/**
 * reconcile: N objects across namespaces, all replicated; the time of one full reconcile pass
 * (list source, list owned copies, diff) and the reconciler's peak RSS, against the time the
 * same run needs just to list both clusters. Targets: <= 5 s and <= 250 MB at 10,000 objects.
 */
import { execFileSync } from "node:child_process";
import { resolve } from "node:path";
import { MANAGED_LABEL } from "@livesync/core";
import { Engine } from "@livesync/engine";
import { listAll } from "@livesync/kube";
import {
  arg,
  configMap,
  createNamespace,
  deleteNamespace,
  benchContext,
  benchConfigMaps,
  untilSynced,
  CONFIGMAPS,
  createConfigMaps,
} from "./common.js";
import { manifestsFor } from "@livesync/engine/testing";

const objects = arg("objects", 10_000);
const namespaces = arg("namespaces", 20);
const { env, source, destination, run } = await benchContext();
const nss = Array.from({ length: namespaces }, (_, i) => `bench-rec-${run}-${i}`);
for (const ns of nss) await createNamespace(source.rest, ns, { bench: run });
await createConfigMaps(
  source,
  Array.from({ length: objects }, (_, i) => configMap(nss[i % namespaces]!, `cm-${i}`, 512)),
);
const resources = [{ group: "", ...benchConfigMaps(run) }];
const name = `rec-${run}`;
const engine = await Engine.start(manifestsFor(env, [{ name, resources }]), {
  natsUrl: env.nats.url,
  stream: `REC_${run.toUpperCase()}`,
  firstReconcileDelayMs: 24 * 3_600_000,
});
const syncStart = performance.now();
await untilSynced(engine, objects, 500);
const syncSeconds = (performance.now() - syncStart) / 1000;
const liveSync = (await engine.status())[0]!.liveSync;
await engine.stop();

// Baseline: only listing what a pass lists.
const t = performance.now();
const [srcList, dstList] = await Promise.all([
  listAll(source.rest, CONFIGMAPS),
  listAll(destination.rest, CONFIGMAPS, { labelSelector: `${MANAGED_LABEL}=true` }),
]);
const listSeconds = (performance.now() - t) / 1000;

const pass = JSON.parse(
  execFileSync(
    process.execPath,
    [
      "--import",
      "tsx",
      resolve(import.meta.dirname, "reconcile-pass.mjs"),
      JSON.stringify({
        liveSync,
        resources,
        source: env.clusters.source!.kubeconfig,
        destination: env.clusters.destination!.kubeconfig,
      }),
    ],
    {
      encoding: "utf8",
      maxBuffer: 64 * 1024 * 1024,
    },
  ),
) as {
  seconds: number;
  peakRssMB: number;
  report: {
    pruned: number;
    repaired: number;
    missing: number;
    resources: { selected: number; copies: number }[];
  };
};

for (const ns of nss) {
  await deleteNamespace(source.rest, ns);
  await deleteNamespace(destination.rest, ns);
}
source.close();
destination.close();
console.log(
  JSON.stringify(
    {
      benchmark: "reconcile",
      objects,
      namespaces,
      initialSyncSeconds: syncSeconds,
      baseline: {
        what: "list source configmaps + list destination copies",
        seconds: listSeconds,
        sourceItems: srcList.items.length,
        destinationItems: dstList.items.length,
      },
      reconcilePass: {
        seconds: pass.seconds,
        peakRssMB: pass.peakRssMB,
        selected: pass.report.resources[0]?.selected,
        copies: pass.report.resources[0]?.copies,
        pruned: pass.report.pruned,
        repaired: pass.report.repaired,
        missing: pass.report.missing,
      },
      ratio: listSeconds / pass.seconds,
      targets: { seconds: "<= 5", peakRssMB: "<= 250" },
    },
    null,
    2,
  ),
);
process.exit(0);
