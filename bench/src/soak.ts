/**
 * `pnpm bench soak [--minutes 30] [--rate 50] [--objects 2000] [--kill-every 120]
 * [--nats-nodes 3]`: livesync as three processes (events-listener, synchronizer, archiver) on a
 * NATS cluster of its own (`--nats-nodes 1`: a single server), the source changing at `rate`
 * changes/s across `objects` ConfigMaps, a random component (or a NATS node) SIGKILLed every
 * `kill-every` seconds. Prints a summary table, then the JSON;
 * exits 1 unless the destination equals the transformed source, the bucket the sanitised
 * source, nothing was dead-lettered and no process's memory grew without bound.
 */
import { runSoak, soakTable } from "@livesync/engine/testing/soak";
import { up } from "@livesync/testkit";
import { arg } from "./common.js";

// Ctrl-C (or a SIGTERM) ends the soak early but still stops its NATS servers and component
// processes and deletes its namespaces. Wrappers (pnpm, tsx) relay the terminal's SIGINT, so
// the process sees it twice at once: only a signal more than 2 s after the first quits at once.
const interrupt = new AbortController();
let interruptedAt = 0;
const onSignal = (sig: NodeJS.Signals) => {
  if (!interruptedAt) {
    interruptedAt = Date.now();
    console.error(`${sig}: stopping the soak and cleaning up (send it again to quit at once)`);
    interrupt.abort(new Error(`soak interrupted by ${sig}`));
  } else if (Date.now() - interruptedAt > 2_000) process.exit(130);
};
process.on("SIGINT", onSignal);
process.on("SIGTERM", onSignal);

const { env } = await up();
const result = await runSoak(env, {
  signal: interrupt.signal,
  minutes: arg("minutes", 30),
  rate: arg("rate", 50),
  objects: arg("objects", 2000),
  killEverySeconds: arg("kill-every", 120),
  namespaces: arg("namespaces", 10),
  natsNodes: arg("nats-nodes", 3),
  convergeTimeoutSeconds: arg("converge-timeout", 600),
  log: (line) => console.error(`[${new Date().toISOString()}] ${line}`),
}).catch((err: unknown) => {
  if (!interrupt.signal.aborted) throw err;
  console.error((err as Error).message);
  process.exit(130);
});
console.error(soakTable(result));
console.log(JSON.stringify(result, null, 2));
process.exit(result.ok ? 0 : 1);
