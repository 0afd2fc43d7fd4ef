/**
 * restore: the backup bench's 10,000 objects, backed up by livesync and by Velero (setup, not
 * measured), restored into fresh namespaces of the destination by
 *   - livesync (`livesync restore create`, its own process),
 *   - a direct client creating the same objects with the same concurrency (ratio = direct /
 *     livesync, target >= 0.8),
 *   - Velero (its server out of cluster; target: livesync >= 20x Velero's items/s);
 * then a `revert` of livesync's restored namespaces made dirty (10 % of the objects drifted, 5 %
 * extra, 5 % missing) against the clean restore's time (target <= 2x).
 */
import { arg, benchContext } from "./common.js";
import {
  cleanUp,
  createObjects,
  dirtyObjects,
  machineLoad,
  objectCount,
  seedPlan,
} from "./backup-common.js";
import { livesyncBackup, livesyncRestore } from "./livesync-runs.js";
import { backupWithVelero, restoreWithVelero } from "./velero/peer.js";

const ctx = await benchContext();
const { source, destination, run } = ctx;
const plan = seedPlan(run, "bench-rs");
const objects = objectCount(plan);
const renamed = (what: string) => plan.namespaces.map((ns) => ns.replace("bench-rs", `rs-${what}`));
const directNs = renamed("direct");
const veleroNs = renamed("velero");
const loadBefore = machineLoad();
const backup = `bench-${run}`;

await createObjects(source.rest, plan);
try {
  const livesyncSetup = await livesyncBackup(plan, backup, "seeded");
  const veleroSetup = arg("velero", 1)
    ? await backupWithVelero(ctx, plan, backup)
    : { error: "--velero 0" };

  const directSeconds = await createObjects(destination.rest, plan, directNs);
  const clean = await livesyncRestore(plan, backup, "none", `bench-${run}-clean`);
  const dirt = "error" in clean ? undefined : await dirtyObjects(destination.rest, plan);
  const revert = dirt
    ? { ...(await livesyncRestore(plan, backup, "revert", `bench-${run}-revert`)), made: dirt }
    : { error: "needs the clean restore" };
  const velero =
    "error" in veleroSetup
      ? { error: `no Velero backup: ${veleroSetup.error}` }
      : await restoreWithVelero(ctx, plan, backup, veleroNs);

  const ratios =
    "error" in clean
      ? { livesyncRestore: "livesync restore not available yet" }
      : {
          ratio: directSeconds / clean.seconds,
          ...("error" in revert ? {} : { revertToCleanRestore: revert.seconds / clean.seconds }),
          ...("error" in velero
            ? {}
            : { itemsPerSecondToVelero: clean.itemsPerSecond / velero.itemsPerSecond }),
        };
  const result = {
    benchmark: "restore",
    objects,
    namespaces: plan.namespaces.length,
    objectBytes: plan.bytes,
    livesync: { clean, revert },
    direct: {
      what: `direct client: namespaces then objects created with ${plan.concurrency} POSTs in flight`,
      seconds: directSeconds,
      itemsPerSecond: objects / directSeconds,
      concurrency: plan.concurrency,
    },
    velero,
    ...ratios,
    target: { ratio: ">= 0.8", itemsPerSecondToVelero: ">= 20", revertToCleanRestore: "<= 2" },
    setup: { livesyncBackup: livesyncSetup, veleroBackup: veleroSetup },
    machineLoad: { before: loadBefore, after: machineLoad() },
  };
  console.log(JSON.stringify(result, null, 2));
} finally {
  await cleanUp(ctx, [
    { cluster: source, namespaces: plan.namespaces },
    { cluster: destination, namespaces: [...plan.namespaces, ...directNs, ...veleroNs] },
  ]);
}
process.exit(0);
