/**
 * One reconcile pass in a process of its own, so its peak RSS is the reconciler's alone.
 * Input (argv[2], JSON): { liveSync, resources }. Prints JSON.
 */
import { InProcessBus } from "@livesync/bus";
import { Reconciler } from "@livesync/reconciler";
import { up } from "@livesync/testkit";
import { clusterOf, RssSampler } from "./common.js";

const input = JSON.parse(process.argv[2]!) as { liveSync: string; resources: never[] };
const { env } = await up();
const rss = new RssSampler();
const source = await clusterOf(env, "source");
const destination = await clusterOf(env, "destination");
const reconciler = new Reconciler(new InProcessBus(), {
  liveSync: input.liveSync,
  source,
  destination,
  resources: input.resources,
  subjectPrefix: "livesync.events",
});
const t = performance.now();
const report = await reconciler.reconcile();
const seconds = (performance.now() - t) / 1000;
console.log(JSON.stringify({ seconds, peakRssMB: rss.stop(), report }));
process.exit(0);
