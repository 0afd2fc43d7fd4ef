/**
 * One livesync component in a process of its own, as a pod of the chart runs it, for the
 * soak: `soak-child.ts <component> <manifests.json> <nats url> <stream>`. Runs until SIGTERM
 * (clean stop) or SIGKILL (the soak's fault); a status line every 5 s goes to stdout.
 */
import { readFileSync } from "node:fs";
import { Engine, type Component, type EngineManifests } from "../index.js";

const [component, manifestsFile, natsUrl, stream] = process.argv.slice(2);
if (!component || !manifestsFile || !natsUrl || !stream) {
  console.error("usage: soak-child.ts <component> <manifests.json> <nats url> <stream>");
  process.exit(2);
}
const manifests = JSON.parse(readFileSync(manifestsFile, "utf8")) as EngineManifests;
const engine = await Engine.start(manifests, {
  natsUrl,
  stream,
  components: [component as Component],
  // A listener that took over reconciles soon: deletes missed while none ran are found then.
  firstReconcileDelayMs: 5_000,
});
const timer = setInterval(async () => {
  const s = await engine.status().catch((err: Error) => err.message);
  console.log(JSON.stringify({ at: new Date().toISOString(), component, status: s }));
}, 5_000);
await new Promise<void>((resolve) => {
  process.once("SIGTERM", resolve);
  process.once("SIGINT", resolve);
});
clearInterval(timer);
await engine.stop();
process.exit(0);
