// One reconcile pass in a process of its own, so its peak RSS is the reconciler's alone. Plain
// JavaScript: the scale bench copies it into the staged production application and runs it with
// the chart's V8 flags, importing the compiled packages exactly as a pod does.
// Input (argv[2], JSON): { liveSync, resources, source, destination } (kubeconfig files).
// Prints JSON: { seconds, peakRssMB, report }.
/* global process, performance, console */
import { readFileSync } from "node:fs";
import { InProcessBus } from "@livesync/bus";
import { Cluster } from "@livesync/kube";
import { Reconciler } from "@livesync/reconciler";

const input = JSON.parse(process.argv[2]);
const cluster = (name) => Cluster.fromKubeConfigYaml(name, readFileSync(input[name], "utf8"));
const source = await cluster("source");
const destination = await cluster("destination");
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
// maxRSS: the kernel's peak resident set of this process, in KiB.
const peakRssMB = Math.round(process.resourceUsage().maxRSS / 1024);
console.log(JSON.stringify({ seconds, peakRssMB, report }));
process.exit(0);
