/** Velero as the backup and restore benches' peer: same objects, same run, same bucket. */
import { benchLabels, runPrefixes, type BenchContext, type SeedPlan } from "../backup-common.js";
import { ensureVelero } from "./build.js";
import { VeleroServer, withVelero, type VeleroRun } from "./server.js";

const errorText = (err: unknown) => (err instanceof Error ? err.message : String(err));

/** Velero (built on first use) against one of the test clusters, storing under the run's prefix. */
function veleroServer(ctx: BenchContext, cluster: "source" | "destination"): VeleroServer {
  const c = cluster === "source" ? ctx.source : ctx.destination;
  const kubeconfig = ctx.env.clusters[cluster]!.kubeconfig;
  return new VeleroServer(
    ensureVelero(),
    c.rest,
    kubeconfig,
    ctx.env.s3,
    `${runPrefixes(ctx.run).bench}velero`,
  );
}

/** Velero's figures, or why it could not run (the bench's other figures stand without it). */
async function veleroFigures(fn: () => Promise<VeleroRun>) {
  try {
    const r = await fn();
    return {
      seconds: r.seconds,
      items: r.items,
      itemsPerSecond: r.items / r.seconds,
      phase: r.phase,
    };
  } catch (err) {
    return { error: `velero could not run: ${errorText(err)}` };
  }
}

/** A Velero Backup `name` of the seeded objects, its server run against the source. */
export const backupWithVelero = (ctx: BenchContext, plan: SeedPlan, name: string) =>
  veleroFigures(() =>
    withVelero(veleroServer(ctx, "source"), (v) =>
      v.backup(name, plan.namespaces, benchLabels(plan.run)),
    ),
  );

/** A Velero Restore of `backup` into the destination, the seeded namespaces renamed to `into`. */
export const restoreWithVelero = (
  ctx: BenchContext,
  plan: SeedPlan,
  backup: string,
  into: string[],
) =>
  veleroFigures(() =>
    withVelero(veleroServer(ctx, "destination"), (v) =>
      v.restore(backup, backup, Object.fromEntries(plan.namespaces.map((ns, i) => [ns, into[i]!]))),
    ),
  );
