/**
 * Watch expiry (410 Gone): the listener's connection to the source is cut while the source
 * changes and etcd compacts the history past the listener's resourceVersion, so the watch
 * cannot resume and must relist. The relist path alone (no reconcile pass runs) must prune the
 * deletes that happened meanwhile and bring the creates and updates.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { createServer, connect, type Server, type Socket } from "node:net";
import { afterAll, describe, expect, inject, it } from "vitest";
import { KubeRest } from "@livesync/kube";
import { kubeConfigFor, startPrivateCluster, type PrivateCluster } from "@livesync/testkit";
import { Engine } from "../src/index.js";
import { LS_NAMESPACE, manifestsFor, uniq } from "../src/testing.js";
import { churnedConfigMaps, ConfigMapChurn } from "../src/testing/configmaps.js";
import { converged, sleep } from "./outage-rig.js";

const env = inject("testenv");
const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
});

/** A TCP relay to the apiserver that can be cut: every connection dropped, new ones refused. */
class CuttableRelay {
  private readonly sockets = new Set<Socket>();
  cut = false;
  private constructor(private readonly server: Server) {}

  static async start(target: URL): Promise<CuttableRelay> {
    const server = createServer();
    const relay = new CuttableRelay(server);
    server.on("connection", (client) => {
      if (relay.cut) return void client.destroy();
      const upstream = connect(Number(target.port), target.hostname);
      for (const s of [client, upstream]) {
        relay.sockets.add(s);
        s.on("error", () => undefined);
        s.on("close", () => relay.sockets.delete(s));
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    return relay;
  }

  get port(): number {
    return (this.server.address() as { port: number }).port;
  }

  setCut(cut: boolean): void {
    this.cut = cut;
    if (cut) for (const s of this.sockets) s.destroy();
  }

  close(): Promise<void> {
    this.setCut(true);
    return new Promise((r) => this.server.close(() => r()));
  }
}

/** etcd's current revision (the apiserver's resourceVersion), through its JSON gateway. */
async function etcdRevision(etcdUrl: string): Promise<number> {
  const res = await fetch(`${etcdUrl}/v3/kv/range`, {
    method: "POST",
    body: JSON.stringify({ key: Buffer.from("/").toString("base64"), limit: 1 }),
  });
  const body = (await res.json()) as { header: { revision: string } };
  return Number(body.header.revision);
}

async function compact(etcdUrl: string, revision: number): Promise<void> {
  const res = await fetch(`${etcdUrl}/v3/kv/compaction`, {
    method: "POST",
    body: JSON.stringify({ revision: String(revision), physical: true }),
  });
  if (!res.ok) throw new Error(`etcd compaction failed: ${res.status} ${await res.text()}`);
}

/** What a watch from `resourceVersion` gets: the first line of the stream, or the error. */
async function watchFrom(rest: KubeRest, namespace: string, rv: number): Promise<string> {
  const abort = new AbortController();
  try {
    const res = await rest.stream(
      `/api/v1/namespaces/${namespace}/configmaps`,
      { watch: 1, resourceVersion: rv },
      abort.signal,
    );
    for await (const chunk of res) return String(chunk);
    return "";
  } catch (err) {
    return (err as Error).message;
  } finally {
    abort.abort();
  }
}

describe("watch expiry", () => {
  it.runIf(env.provider === "binaries")(
    "a watch whose resourceVersion was compacted relists: deletes meanwhile are pruned, creates and updates arrive",
    async () => {
      // No watch cache: watches are served by etcd, so a compacted revision is 410 at once.
      const source: PrivateCluster = await startPrivateCluster("watch-expiry", {
        apiserverArgs: ["--watch-cache=false"],
      });
      cleanups.push(() => source.stop());
      const relay = await CuttableRelay.start(new URL(source.server));
      cleanups.push(() => relay.close());
      // livesync reads the source through the relay; the test writes to it directly.
      const relayed = `${source.readOnlyKubeconfig}.relayed`;
      writeFileSync(
        relayed,
        readFileSync(source.readOnlyKubeconfig!, "utf8").replace(
          source.server,
          `https://127.0.0.1:${relay.port}`,
        ),
      );
      const e = {
        ...env,
        clusters: { ...env.clusters, source: { ...source, readOnlyKubeconfig: relayed } },
      };
      const src = await KubeRest.fromKubeConfig(kubeConfigFor(e, "source"));
      const dst = await KubeRest.fromKubeConfig(kubeConfigFor(e, "destination"));
      const namespace = uniq("expiry");
      cleanups.push(async () => {
        await dst.request("DELETE", `/api/v1/namespaces/${namespace}`).catch(() => undefined);
        src.close();
        dst.close();
      });
      const label = { "livesync.test/expiry": namespace };
      await src.request("POST", "/api/v1/namespaces", {
        body: { metadata: { name: namespace, labels: label } },
      });
      const churn = new ConfigMapChurn(src, [namespace], 30);
      await churn.seed();
      const name = uniq("expiry");
      // No reconcile pass during the test: only the relist may find the deletes.
      const engine = await Engine.start(
        manifestsFor(e, [{ name, resources: [churnedConfigMaps(label)] }]),
        {
          natsUrl: env.nats.url,
          stream: uniq("EXPIRY").toUpperCase().replace(/-/g, "_"),
          firstReconcileDelayMs: 60 * 60_000,
        },
      );
      cleanups.push(() => engine.stop());
      const check = {
        engine,
        liveSync: `${LS_NAMESPACE}/${name}`,
        namespace,
        source: src,
        destination: dst,
      };
      await converged(check, 60_000);

      relay.setCut(true);
      const cutAt = await etcdRevision(source.etcdUrl);
      // 10 deletes, 10 updates, 10 creates while the listener cannot see them.
      const keys = [...churn.live.keys()];
      for (const k of keys.slice(0, 10)) await churn.remove(k);
      for (const k of keys.slice(10, 20)) await churn.update(k);
      for (let i = 0; i < 10; i++) await churn.create();
      const compactedAt = await etcdRevision(source.etcdUrl);
      await compact(source.etcdUrl, compactedAt);
      // Whatever the listener last saw is at most cutAt: gone from etcd's history now.
      expect(await watchFrom(src, namespace, cutAt)).toMatch(/410|too old resource version/);
      await sleep(2_000);
      relay.setCut(false);

      const ms = await converged(check, 90_000);
      console.log(
        `watch expiry: ${churn.live.size} compared, ${churn.deleted.size} deletes pruned, converged ${ms / 1000} s after the relay was restored`,
      );
      expect(churn.deleted.size).toBe(10);
      expect(await engine.bus.deadLetters()).toEqual([]);
    },
    240_000,
  );
});
