/**
 * The direct baselines of initial-sync: a client creating the same objects in the destination,
 * `concurrency` requests in flight, with plain creates (POST) and with server-side apply, each
 * into fresh namespaces that are deleted (and waited for) afterwards.
 */
import { applyObject, type Cluster, type KubeObject } from "@livesync/kube";
import { CONFIGMAPS, createNamespace, deleteNamespace, pool } from "./common.js";
import { CpuMeter, type CpuSpan } from "./cpu.js";

export interface DirectPlan {
  destination: Cluster;
  concurrency: number;
  /** The objects to create, given the namespaces they go to. */
  items: (namespaces: string[]) => KubeObject[];
  /** Namespace names with this prefix, unique to the run. */
  names: (prefix: string) => string[];
}

async function direct(
  p: DirectPlan,
  prefix: string,
  write: (obj: KubeObject) => Promise<unknown>,
): Promise<{ seconds: number; cpu: CpuSpan }> {
  const nss = p.names(prefix);
  for (const ns of nss) await createNamespace(p.destination.rest, ns);
  const meter = await CpuMeter.start();
  const start = performance.now();
  await pool(p.items(nss), p.concurrency, (obj) => write(obj).then(() => undefined));
  const seconds = (performance.now() - start) / 1000;
  const cpu = meter.stop();
  // Waited for, so the namespace controller's clean-up stays out of the next measurement.
  await Promise.all(nss.map((ns) => deleteNamespace(p.destination.rest, ns, { wait: true })));
  return { seconds, cpu };
}

/**
 * Seconds (and CPU) for POST and for server-side apply; `round` keeps repeated rounds'
 * namespaces apart.
 */
export async function directBaselines(p: DirectPlan, round: string) {
  const rest = p.destination.rest;
  const post = await direct(p, `bench-raw${round}`, (obj) =>
    rest.request("POST", `/api/v1/namespaces/${obj.metadata.namespace}/configmaps`, { body: obj }),
  );
  const ssa = await direct(p, `bench-ssa${round}`, (obj) =>
    applyObject(rest, CONFIGMAPS, obj, { fieldManager: "bench" }),
  );
  return { post, ssa };
}
