/**
 * The soak's short variant: 3 minutes of changes with a component (events-listener, synchronizer,
 * archiver, each a process of its own, or one node of the three-node NATS cluster) SIGKILLed every
 * 40 seconds. Afterwards the destination equals the transformed source object by object, the
 * bucket the sanitised source, nothing was dead-lettered and no process grew without bound.
 * `pnpm bench soak` runs the long one (30 minutes, 50 changes/s, 2,000 objects).
 */
import { describe, expect, inject, it } from "vitest";
import { runSoak, soakTable } from "../src/testing/soak.js";

const env = inject("testenv");

describe("soak (3 minutes)", () => {
  it.runIf(env.provider === "binaries")(
    "components killed every 40 s: nothing lost, nothing resurrected, memory bounded",
    async () => {
      const result = await runSoak(env, {
        minutes: 3,
        rate: 10,
        objects: 300,
        killEverySeconds: 40,
        convergeTimeoutSeconds: 180,
      });
      console.log(soakTable(result));
      expect(result.kills.length).toBeGreaterThanOrEqual(3);
      expect(result.destination).toMatchObject({ lost: 0, resurrected: 0, different: 0 });
      expect(result.bucket).toMatchObject({ lost: 0, resurrected: 0, different: 0 });
      expect(result.deadLetters).toBe(0);
      for (const [name, rss] of Object.entries(result.rss)) {
        expect(rss.bounded, `${name}: ${JSON.stringify(rss)}`).toBe(true);
      }
    },
    10 * 60_000,
  );
});
