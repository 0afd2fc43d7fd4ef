/**
 * The operator killed (SIGKILL) in the middle of a TaskRun: the TaskRun is left Running with
 * part of the copies recovered. The next operator resumes it under the same run id: it skips
 * the copies the first one recovered, recovers the rest, and says so in the status.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { freshNamespace, kubeConfigFor, eventually } from "@livesync/testkit";
import { deployment } from "@livesync/engine/testing";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { cond, deploymentsIn, Fixture, type Obj } from "./fixture.js";

const env = inject("testenv");
const src = kubeConfigFor(env, "source");
const dst = kubeConfigFor(env, "destination");
const main = fileURLToPath(new URL("../../cli/src/main.ts", import.meta.url));
const N = 300;
let f: Fixture;
let child: ChildProcess | undefined;

beforeAll(async () => {
  f = await Fixture.create(env, dst, "restart");
});
afterAll(async () => {
  child?.kill("SIGKILL");
  await f?.close();
});

interface DeploymentList {
  items: { spec: { replicas: number } }[];
}

describe("operator restarted mid-TaskRun", () => {
  it("resumes the interrupted TaskRun and finishes it without redoing what was done", async () => {
    const source = await freshNamespace(src, "restart-src", { "restart-dr": f.ns });
    f.onCleanup(source.remove);
    f.onCleanup(() => f.management.rest.request("DELETE", `/api/v1/namespaces/${source.name}`));
    const sourceCluster = await import("@livesync/kube").then((k) =>
      k.Cluster.fromKubeConfig("source", src),
    );
    f.onCleanup(async () => sourceCluster.close());
    const pending = Array.from({ length: N }, (_, i) => `app-${i}`);
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        for (let name = pending.pop(); name; name = pending.pop())
          await sourceCluster.rest.request(
            "POST",
            `/apis/apps/v1/namespaces/${source.name}/deployments`,
            { body: { apiVersion: "apps/v1", kind: "Deployment", ...deployment(name) } },
          );
      }),
    );
    await f.liveSync("apps", [deploymentsIn("restart-dr", f.ns)]);
    const copies = () =>
      f.management.rest.request<DeploymentList>(
        "GET",
        `/apis/apps/v1/namespaces/${source.name}/deployments`,
      );
    const replicated = await f.operator();
    await eventually(async () => ((await copies()).items.length === N ? true : undefined), {
      timeoutMs: 120_000,
      what: `${N} copies`,
    });
    await replicated.stop();

    // The first operator: controller only (the services are not needed to recover), one
    // object at a time so that the kill lands in the middle of the run.
    child = spawn(
      process.execPath,
      [
        "--import",
        "tsx",
        main,
        "operator",
        "--kubeconfig",
        env.clusters.destination!.kubeconfig,
        "--namespace",
        f.ns,
        "--components",
        "controller",
        "--recovery-concurrency",
        "1",
      ],
      { stdio: ["ignore", "ignore", "pipe"] },
    );
    let stderr = "";
    child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
    await f.create(f.path("taskruns"), {
      apiVersion: "automation.livesync.dev/v1alpha1",
      kind: "TaskRun",
      metadata: { name: "recover" },
      spec: { taskName: "apps" },
    });
    const recoveredCount = async () =>
      (await copies()).items.filter((d) => d.spec.replicas === 1).length;
    const atKill = await eventually(
      async () => {
        const n = await recoveredCount();
        return n >= 20 ? n : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 20, what: () => `the first recoveries (stderr: ${stderr})` },
    );
    child.kill("SIGKILL");
    await new Promise((r) => child!.once("exit", r));
    const doneByFirst = await recoveredCount();
    const interrupted = await f.get(f.path("taskruns", "recover"));
    expect(doneByFirst, "the kill landed after the run ended; nothing to resume").toBeLessThan(N);
    expect(doneByFirst).toBeGreaterThanOrEqual(atKill);
    expect(interrupted.status?.phase).toBe("Running");

    // The next operator finishes it.
    await f.operator({ engineOptions: { components: [] } });
    const finished = await eventually(
      async () => {
        const tr: Obj = await f.get(f.path("taskruns", "recover"));
        return tr.status?.phase && tr.status.phase !== "Running" ? tr : undefined;
      },
      { timeoutMs: 60_000, what: "the resumed TaskRun to finish" },
    );
    expect(finished.status?.phase, JSON.stringify(finished.status)).toBe("Succeeded");
    expect(finished.status?.resources?.[0]).toMatchObject({ total: N, succeeded: N, failed: 0 });
    const resumed = cond(finished, "Resumed");
    expect(resumed).toMatchObject({ status: "True", reason: "OperatorRestarted" });
    const skipped = Number(/: (\d+) objects it had already recovered/.exec(resumed!.message)?.[1]);
    expect(skipped).toBe(doneByFirst);
    expect(await recoveredCount()).toBe(N);
    expect(f.errors).toEqual([]);
  }, 300_000);
});
