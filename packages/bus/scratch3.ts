import { startPrivateNatsCluster } from "@livesync/testkit";
import { JetStreamBus } from "./src/index.js";
const c = await startPrivateNatsCluster();
const mode = process.argv[2];
try {
  const bus = await JetStreamBus.connect({ url: c.url, stream: "T", subjects: ["t.>"] });
  await bus.ensureConsumer("d");
  await bus.ensureConsumer("e");
  for (let i = 0; i < 50; i++) await bus.publish("t.x", new Uint8Array([1]), `m${i}`);
  const sub = await bus.consume("d", async () => {});
  await new Promise((r) => setTimeout(r, 1000));
  await sub.stop();
  await bus.close();
  if (mode === "update") {
    const bus2 = await JetStreamBus.connect({ url: c.url, stream: "T", subjects: ["t.>"], maxAgeMs: 3_600_000 });
    for (let i = 50; i < 100; i++) await bus2.publish("t.x", new Uint8Array([1]), `m${i}`);
    await bus2.close();
  }
  console.log("before", JSON.stringify(await c.stream("T")));
  await c.killAll();
  await c.restartAll();
  await new Promise((r) => setTimeout(r, 40000));
  console.log("after", JSON.stringify(await c.stream("T")));
  for (const n of c.nodes) console.log(n.logFile);
} finally { await c.destroy(); }
