/**
 * backup: 10,000 objects (8,000 ConfigMaps, 2,000 Deployments; labelled with the run) in 20
 * namespaces of the source. livesync's backup of them into the bucket (the CLI, in its own
 * process, so its peak RSS is measured) against a direct client listing the same resources
 * (pages of 500) and streaming them into the bucket as one tarball (ratio = direct / livesync,
 * target >= 0.8; peak RSS target <= 250 MB), and Velero backing up the same objects in the same
 * run (its own server, out of cluster, against the same cluster and bucket).
 */
import { arg, benchContext } from "./common.js";
import {
  cleanUp,
  createObjects,
  directBackup,
  machineLoad,
  objectCount,
  runPrefixes,
  seedPlan,
} from "./backup-common.js";
import { idleRssMB, livesyncBackup } from "./livesync-runs.js";
import { backupWithVelero } from "./velero/peer.js";

const ctx = await benchContext();
const { env, source, run } = ctx;
const plan = seedPlan(run, "bench-bk");
const objects = objectCount(plan);
const loadBefore = machineLoad();

const seedSeconds = await createObjects(source.rest, plan);
try {
  const direct = await directBackup(env, source.rest, plan, `${runPrefixes(run).bench}direct.tgz`);
  const livesync = await livesyncBackup(plan, `bench-${run}`, "seeded");
  const everyResource = await livesyncBackup(plan, `bench-${run}-all`, "all");
  const velero = arg("velero", 1)
    ? await backupWithVelero(ctx, plan, `bench-${run}`)
    : { error: "--velero 0" };
  const figures = "error" in livesync ? {} : { ratio: direct.seconds / livesync.seconds };
  const secondsToVelero =
    "error" in everyResource || "error" in velero
      ? {}
      : { everyResourceToVelero: everyResource.seconds / velero.seconds };
  const result = {
    benchmark: "backup",
    objects,
    namespaces: plan.namespaces.length,
    objectBytes: plan.bytes,
    livesync: {
      what: "the seeded resources (ConfigMaps, Deployments) of the namespaces, the run's label",
      ...livesync,
    },
    livesyncEveryResource: {
      what: "every resource the namespaces may hold (the default scope), the run's label: what Velero does",
      ...everyResource,
    },
    direct: {
      what: "direct client: list each namespace's ConfigMaps and Deployments (pages of 500), one gzip'd tarball streamed to the bucket",
      ...direct,
    },
    ...figures,
    idleRssMB: {
      what: "the same child process loading the same modules (tsx, as the CLI and the image run) and exiting",
      peakRssMB: await idleRssMB(),
    },
    target: { ratio: ">= 0.8", peakRssMB: "<= 250" },
    velero: {
      what: "Velero v1.18.3 out of cluster: Backup of the namespaces, the run's label, to the same bucket",
      ...velero,
    },
    ...secondsToVelero,
    seeding: { seconds: seedSeconds, concurrency: plan.concurrency },
    machineLoad: { before: loadBefore, after: machineLoad() },
  };
  console.log(JSON.stringify(result, null, 2));
} finally {
  await cleanUp(ctx, [{ cluster: source, namespaces: plan.namespaces }]);
}
process.exit(0);
