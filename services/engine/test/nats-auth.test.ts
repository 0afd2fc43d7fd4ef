/**
 * The pipeline on a closed bus: a NATS of this file's own that requires TLS and a password,
 * each component in an engine of its own with its least-privilege credential (as the chart's
 * pods run), the controller's credential creating the streams. Source to destination and the
 * archive still work, and the server logs no permission violation on the way.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { HeadObjectCommand } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { natsPermissions, type NatsAuth, type NatsRole } from "@livesync/bus";
import {
  eventually,
  repoRoot,
  s3Client,
  startPrivateNats,
  type PrivateNats,
} from "@livesync/testkit";
import { Engine, provisionBus, type Component } from "../src/index.js";
import { EngineTestbed, LS_NAMESPACE, manifestsFor, uniq } from "../src/testing.js";

const env = inject("testenv");
const bed = new EngineTestbed(env, "nauth");
let nats: PrivateNats;
const engines: Engine[] = [];

const credential = (role: NatsRole): NatsAuth => ({
  ...nats.auth!.users[role]!,
  tls: { caFile: nats.auth!.caFile },
});

beforeAll(async () => {
  nats = await startPrivateNats("nats-auth-engine", {
    auth: { users: natsPermissions() },
    parentDir: join(repoRoot(), ".testenv-private"),
  });
});

afterAll(async () => {
  try {
    // What the server refused, should a step above have timed out.
    const log = nats ? readFileSync(join(nats.dir, "nats.log"), "utf8") : "";
    for (const l of log
      .split("\n")
      .filter((l) => /Violation/.test(l))
      .slice(0, 5)) {
      console.error(l);
    }
    for (const e of engines) console.error(JSON.stringify(await e.status().catch(String)));
    for (const e of engines.splice(0)) await e.stop().catch(() => undefined);
    await bed.removeNamespaces();
  } finally {
    await nats?.stop();
  }
});

describe("the pipeline with per-component NATS credentials", { timeout: 240_000 }, () => {
  it("replicates source to destination and archives, with no permission violation", async () => {
    const ns = await bed.namespace();
    const name = uniq("cm");
    await bed.srcCore.createNamespacedConfigMap({
      namespace: ns,
      body: { metadata: { name }, data: { v: "1" } },
    });
    const manifests = manifestsFor(env, [
      {
        name: uniq("nauth"),
        bucket: true,
        resources: [
          {
            group: "",
            version: "v1",
            resource: "configmaps",
            filters: { nameSelector: { regex: [`^${name}$`] } },
          },
        ],
      },
    ]);
    // The components first: they wait for the streams only the controller may create.
    const start = (component: Component, role: NatsRole) =>
      Engine.start(manifests, {
        natsUrl: nats.url,
        natsAuth: credential(role),
        provisionBus: false,
        components: [component],
      }).then((e) => void engines.push(e));
    const started = Promise.all([
      start("events-listener", "events-listener"),
      start("synchronizer", "synchronizer"),
      start("archiver", "archiver"),
    ]);
    await new Promise((r) => setTimeout(r, 1_500));
    await provisionBus({ natsUrl: nats.url, natsAuth: credential("controller") });
    await started;

    const copy = await eventually(
      () => bed.dstCore.readNamespacedConfigMap({ name, namespace: ns }),
      { what: "the copy in the destination", timeoutMs: 120_000 },
    );
    expect(copy.data).toEqual({ v: "1" });
    await bed.srcCore.replaceNamespacedConfigMap({
      name,
      namespace: ns,
      body: { metadata: { name }, data: { v: "2" } },
    });
    await eventually(
      async () => {
        const c = await bed.dstCore.readNamespacedConfigMap({ name, namespace: ns });
        return c.data?.v === "2" ? c : undefined;
      },
      { what: "the update in the destination" },
    );
    const s3 = s3Client(env.s3);
    try {
      const key = `${LS_NAMESPACE}/archive/core-v1-configmaps/${ns}.${name}`;
      await eventually(() => s3.send(new HeadObjectCommand({ Bucket: env.s3.bucket, Key: key })), {
        what: `the original at ${key}`,
      });
    } finally {
      s3.destroy();
    }
    const log = readFileSync(join(nats.dir, "nats.log"), "utf8");
    expect(log.split("\n").filter((l) => /Violation/.test(l))).toEqual([]);
  });
});
