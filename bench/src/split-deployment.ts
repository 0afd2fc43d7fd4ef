/**
 * livesync as the Helm chart deploys it: one `livesync operator --components <c>` process per
 * component, all reading the livesync objects of one namespace of the management cluster and
 * sharing a JetStream stream of their own (so other users of the test environment's NATS never
 * see their events). Each process's peak RSS is sampled from outside; progress comes from the
 * /metrics every process serves.
 */
import { join } from "node:path";
import type { ReplicatedResource } from "@livesync/api";
import { manifestsFor } from "@livesync/engine/testing";
import { Cluster } from "@livesync/kube";
import { installCrds } from "@livesync/operator";
import { freePort, kubeConfigFor, type TestEnvironment } from "@livesync/testkit";
import { createNamespace, deleteNamespace } from "./common.js";
import { SampledProcess } from "./processes.js";

/** `--components` value -> the name the benches report it under. */
export const SPLIT_COMPONENTS = {
  "events-listener": "listener",
  synchronizer: "synchronizer",
  archiver: "archiver",
  controller: "operator",
} as const;
export type SplitComponent = keyof typeof SPLIT_COMPONENTS;

const CLI = join(import.meta.dirname, "../../services/cli/src/main.ts");

interface Running {
  process: SampledProcess;
  metricsPort: number;
}

export class SplitDeployment {
  private readonly running = new Map<SplitComponent, Running>();

  private constructor(
    private readonly env: TestEnvironment,
    readonly management: Cluster,
    /** The management namespace holding this deployment's livesync objects. */
    readonly namespace: string,
    readonly stream: string,
  ) {}

  /**
   * The CRDs, a management namespace with the clusters and the bucket of the test environment,
   * and the components' processes, each up (serving /metrics) when this resolves.
   */
  static async start(
    env: TestEnvironment,
    run: string,
    components: readonly SplitComponent[],
  ): Promise<SplitDeployment> {
    const management = await Cluster.fromKubeConfig("management", kubeConfigFor(env, "management"));
    await installCrds(management);
    const d = new SplitDeployment(
      env,
      management,
      `bench-mgmt-${run}`,
      `BENCH_${run.toUpperCase()}`,
    );
    await createNamespace(management.rest, d.namespace);
    const m = manifestsFor(env, []);
    for (const o of [...m.secrets, ...m.clusters, ...m.buckets]) await d.create(o);
    for (const c of components) await d.spawn(c);
    await Promise.all([...d.running.keys()].map((c) => d.untilServing(c)));
    return d;
  }

  private async spawn(component: SplitComponent): Promise<void> {
    const metricsPort = await freePort();
    const process_ = new SampledProcess(process.execPath, [
      "--import",
      "tsx",
      CLI,
      "operator",
      ...["--kubeconfig", this.env.clusters.management!.kubeconfig],
      ...["--namespace", this.namespace],
      ...["--nats", this.env.nats.url, "--stream", this.stream],
      ...["--components", component],
      ...["--metrics-port", String(metricsPort)],
    ]);
    this.running.set(component, { process: process_, metricsPort });
  }

  private async untilServing(component: SplitComponent): Promise<void> {
    const r = this.running.get(component)!;
    for (;;) {
      if (r.process.child.exitCode !== null)
        throw new Error(`${component} exited: ${r.process.stderr.trim().split("\n").slice(-3)}`);
      const ok = await fetch(`http://127.0.0.1:${r.metricsPort}/healthz`).then(
        (res) => res.ok,
        () => false,
      );
      if (ok) return;
      await new Promise((res) => setTimeout(res, 200));
    }
  }

  /** POSTs one livesync object (or Secret) into the management namespace. */
  private async create(o: { apiVersion: string; kind: string; metadata: object }): Promise<void> {
    const [group, version] = o.apiVersion.includes("/") ? o.apiVersion.split("/") : ["", "v1"];
    const plural = `${o.kind.toLowerCase()}s`.replace(/ys$/, "ies");
    const base = group ? `/apis/${group}/${version}` : `/api/${version}`;
    const metadata = { ...o.metadata, namespace: this.namespace, uid: undefined };
    for (let attempt = 0; ; attempt++) {
      try {
        await this.management.rest.request(
          "POST",
          `${base}/namespaces/${this.namespace}/${plural}`,
          {
            body: { ...o, metadata },
          },
        );
        return;
      } catch (err) {
        // A CRD just installed may not be served for a moment.
        if (attempt > 50) throw err;
        await new Promise((r) => setTimeout(r, 200));
      }
    }
  }

  /** Creates the LiveSynchronization `name`: the components start on it within ~50 ms. */
  async liveSync(name: string, resources: ReplicatedResource[], bucket = false): Promise<void> {
    const [ls] = manifestsFor(this.env, [{ name, resources, bucket }]).liveSyncs;
    await this.create(ls!);
  }

  /** A per-LiveSynchronization gauge on a component's /metrics (undefined until it is set). */
  async metric(
    component: SplitComponent,
    name: string,
    liveSync: string,
  ): Promise<number | undefined> {
    const r = this.running.get(component);
    if (!r) return undefined;
    const text = await fetch(`http://127.0.0.1:${r.metricsPort}/metrics`).then(
      (res) => res.text(),
      () => "",
    );
    const line = text
      .split("\n")
      .find((l) => l.startsWith(`${name}{live_sync="${this.namespace}/${liveSync}"}`));
    return line ? Number(line.split(" ").at(-1)) : undefined;
  }

  /** Waits until `metric` of `component` is set and at least `value`. */
  async until(component: SplitComponent, name: string, liveSync: string, value = 0) {
    while (((await this.metric(component, name, liveSync)) ?? -1) < value) {
      const r = this.running.get(component)!;
      if (r.process.child.exitCode !== null)
        throw new Error(`${component} exited: ${r.process.stderr.trim().split("\n").slice(-3)}`);
      await new Promise((res) => setTimeout(res, 250));
    }
  }

  /** Peak RSS of each process so far, in MiB, by the name the benches report. */
  peakRssMB(): Record<string, number> {
    return Object.fromEntries(
      [...this.running].map(([c, r]) => [SPLIT_COMPONENTS[c], r.process.peakRssMB]),
    );
  }

  /** The pid of each component's process, for a CpuMeter. */
  get pids(): { component: string; pid: number }[] {
    return [...this.running].flatMap(([component, r]) =>
      r.process.child.pid === undefined ? [] : [{ component, pid: r.process.child.pid }],
    );
  }

  private stopping?: Promise<Record<string, number>>;

  /** Stops the processes (once); their peak RSS (MiB); removes the management namespace. */
  stop(): Promise<Record<string, number>> {
    return (this.stopping ??= this.stopAll());
  }

  private async stopAll(): Promise<Record<string, number>> {
    const peaks: Record<string, number> = {};
    await Promise.all(
      [...this.running].map(
        async ([c, r]) => (peaks[SPLIT_COMPONENTS[c]] = await r.process.stop()),
      ),
    );
    this.running.clear();
    await deleteNamespace(this.management.rest, this.namespace);
    this.management.close();
    return peaks;
  }
}
