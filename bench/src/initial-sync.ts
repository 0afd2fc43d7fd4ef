/**
 * initial-sync: N ConfigMaps exist in the source before livesync starts; how long until all are
 * correct in the destination, against how long a direct client needs to create the same objects
 * in the destination with plain creates and with server-side apply (same run, same machine).
 * Target: (faster baseline)/livesync >= 0.8 at 1,000, 5,000 and 20,000 objects; `--objects N`
 * measures one size only.
 */
import { arg, benchContext } from "./common.js";
import { measureInitialSync } from "./initial-sync-run.js";

const SIZES = [1_000, 5_000, 20_000];
/** The size whose figures are also given at the top level (the headline figure). */
const HEADLINE = 5_000;

const single = process.argv.includes("--objects");
const sizes = single ? [arg("objects", HEADLINE)] : SIZES;
const options = {
  namespaces: arg("namespaces", 10),
  bytes: arg("bytes", 1_024),
  concurrency: arg("concurrency", 32),
  syncConcurrency: arg("sync-concurrency", 32),
};
const { env, source, destination, run } = await benchContext();

const runs = [];
for (const [i, objects] of sizes.entries()) {
  // Smallest first; each run waits for its clean-up, so none measures the previous one's.
  const result = await measureInitialSync(
    { env, source, destination, run: `${run}${i}` },
    { ...options, objects },
  );
  runs.push(result);
  console.error(`initial-sync: ${objects} objects, ratio ${result.ratio.toFixed(2)}`);
}
source.close();
destination.close();

const headline = runs.find((r) => r.objects === HEADLINE) ?? runs[0]!;
const result = {
  benchmark: "initial-sync",
  objects: headline.objects,
  namespaces: options.namespaces,
  objectBytes: options.bytes,
  ratio: headline.ratio,
  ratioTo: `the faster direct baseline (${headline.fasterBaseline})`,
  baseline: headline.baseline,
  baselineServerSideApply: headline.baselineServerSideApply,
  ratioToPost: headline.ratioToPost,
  ratioToServerSideApply: headline.ratioToServerSideApply,
  sourceSetup: headline.sourceSetup,
  livesync: headline.livesync,
  breakdown: headline.breakdown,
  target: ">= 0.8 at every size",
  peakRssMB: headline.peakRssMB,
  ratios: Object.fromEntries(runs.map((r) => [r.objects, r.ratio])),
  runs,
};
console.log(JSON.stringify(result, null, 2));
process.exit(0);
