/**
 * Smoke suite: every component of the real test environment does what later suites rely on.
 */
import { randomBytes } from "node:crypto";
import {
  DeleteObjectCommand,
  GetBucketVersioningCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutBucketVersioningCommand,
  PutObjectCommand,
  CreateBucketCommand,
  ListObjectVersionsCommand,
} from "@aws-sdk/client-s3";
import {
  ApiextensionsV1Api,
  AppsV1Api,
  CoreV1Api,
  CustomObjectsApi,
  Watch,
  type V1ConfigMap,
} from "@kubernetes/client-node";
import { AckPolicy, jetstream, jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { afterAll, describe, expect, inject, it } from "vitest";
import {
  crdManifest,
  establishCrd,
  eventually,
  freshNamespace,
  kubeConfigFor,
  s3Client,
} from "../src/index.js";

const env = inject("testenv");

describe("kubernetes clusters", () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const c of cleanups) await c();
  });

  it("runs source and destination as separate clusters", async () => {
    const source = kubeConfigFor(env, "source").makeApiClient(CoreV1Api);
    const destination = kubeConfigFor(env, "destination").makeApiClient(CoreV1Api);
    const ns = await freshNamespace(kubeConfigFor(env, "source"), "smoke-separate");
    cleanups.push(ns.remove);
    await source.readNamespace({ name: ns.name });
    await expect(destination.readNamespace({ name: ns.name })).rejects.toMatchObject({
      code: 404,
    });
  });

  it("delivers a ConfigMap created in source through the watch API", async () => {
    const kc = kubeConfigFor(env, "source");
    const ns = await freshNamespace(kc, "smoke-watch");
    cleanups.push(ns.remove);
    const seen: V1ConfigMap[] = [];
    const watch = await new Watch(kc).watch(
      `/api/v1/namespaces/${ns.name}/configmaps`,
      {},
      (type: string, obj: V1ConfigMap) => {
        if (type === "ADDED") seen.push(obj);
      },
      () => {},
    );
    try {
      await kc.makeApiClient(CoreV1Api).createNamespacedConfigMap({
        namespace: ns.name,
        body: { metadata: { name: "hello" }, data: { greeting: "hi" } },
      });
      const cm = await eventually(async () => seen.find((o) => o.metadata?.name === "hello"), {
        what: "the watch to deliver ConfigMap hello",
      });
      expect(cm.data).toEqual({ greeting: "hi" });
    } finally {
      watch.abort();
    }
  });

  it("establishes a CRD and serves its custom resources", async () => {
    const kc = kubeConfigFor(env, "destination");
    const group = `smoke${randomBytes(3).toString("hex")}.testenv.livesync.dev`;
    const ext = kc.makeApiClient(ApiextensionsV1Api);
    cleanups.push(async () => {
      await ext.deleteCustomResourceDefinition({ name: `widgets.${group}` });
    });
    await establishCrd(
      kc,
      crdManifest(group, "Widget", "widgets", {
        type: "object",
        properties: { size: { type: "integer" } },
      }),
    );
    const ns = await freshNamespace(kc, "smoke-crd");
    cleanups.push(ns.remove);
    const custom = kc.makeApiClient(CustomObjectsApi);
    await eventually(
      () =>
        custom.createNamespacedCustomObject({
          group,
          version: "v1",
          namespace: ns.name,
          plural: "widgets",
          body: {
            apiVersion: `${group}/v1`,
            kind: "Widget",
            metadata: { name: "w1" },
            spec: { size: 3 },
          },
        }),
      { what: "the Widget resource to be served" },
    );
    const w = (await custom.getNamespacedCustomObject({
      group,
      version: "v1",
      namespace: ns.name,
      plural: "widgets",
      name: "w1",
    })) as { spec: { size: number } };
    expect(w.spec.size).toBe(3);
  });

  it("runs controllers: a Deployment gets a ReplicaSet and a deleted namespace goes away", async () => {
    const kc = kubeConfigFor(env, "source");
    const ns = await freshNamespace(kc, "smoke-controllers");
    const apps = kc.makeApiClient(AppsV1Api);
    await apps.createNamespacedDeployment({
      namespace: ns.name,
      body: {
        metadata: { name: "web" },
        spec: {
          replicas: 0,
          selector: { matchLabels: { app: "web" } },
          template: {
            metadata: { labels: { app: "web" } },
            spec: { containers: [{ name: "web", image: "nginx" }] },
          },
        },
      },
    });
    const rs = await eventually(
      async () => {
        const list = await apps.listNamespacedReplicaSet({ namespace: ns.name });
        return list.items.length > 0 ? list.items[0] : undefined;
      },
      { what: "the deployment controller to create a ReplicaSet" },
    );
    expect(rs?.metadata?.ownerReferences?.[0]?.name).toBe("web");

    const core = kc.makeApiClient(CoreV1Api);
    await ns.remove();
    await eventually(
      async () => {
        try {
          await core.readNamespace({ name: ns.name });
          return undefined;
        } catch (err) {
          return (err as { code?: number }).code === 404 ? true : undefined;
        }
      },
      { timeoutMs: 60_000, what: `namespace ${ns.name} to finish terminating` },
    );
  });
});

describe("nats jetstream", () => {
  it("publishes with dedupe and consumes through a durable consumer", async () => {
    const nc = await connect({ servers: env.nats.url });
    try {
      const jsm = await jetstreamManager(nc);
      const stream = `SMOKE_${randomBytes(3).toString("hex")}`;
      await jsm.streams.add({ name: stream, subjects: [`${stream}.>`] });
      await jsm.consumers.add(stream, { durable_name: "smoke", ack_policy: AckPolicy.Explicit });
      const js = jetstream(nc);
      const first = await js.publish(`${stream}.a`, "one", { msgID: "m-1" });
      const again = await js.publish(`${stream}.a`, "one", { msgID: "m-1" });
      await js.publish(`${stream}.b`, "two", { msgID: "m-2" });
      expect(first.duplicate).toBe(false);
      expect(again.duplicate).toBe(true);

      const consumer = await js.consumers.get(stream, "smoke");
      const got: string[] = [];
      for (let i = 0; i < 2; i++) {
        const m = await consumer.next({ expires: 5_000 });
        if (!m) break;
        got.push(m.string());
        m.ack();
      }
      expect(got).toEqual(["one", "two"]);
      await jsm.streams.delete(stream);
    } finally {
      await nc.close();
    }
  });
});

describe("s3 bucket", () => {
  it("puts, gets, lists and deletes an object in the testenv bucket", async () => {
    const s3 = s3Client(env.s3);
    const key = `smoke/${randomBytes(4).toString("hex")}/ns.cm`;
    try {
      await s3.send(
        new PutObjectCommand({ Bucket: env.s3.bucket, Key: key, Body: '{"kind":"ConfigMap"}' }),
      );
      const got = await s3.send(new GetObjectCommand({ Bucket: env.s3.bucket, Key: key }));
      expect(await got.Body?.transformToString()).toBe('{"kind":"ConfigMap"}');
      const listed = await s3.send(
        new ListObjectsV2Command({
          Bucket: env.s3.bucket,
          Prefix: key.split("/").slice(0, 2).join("/"),
        }),
      );
      expect(listed.Contents?.map((o) => o.Key)).toEqual([key]);
      await s3.send(new DeleteObjectCommand({ Bucket: env.s3.bucket, Key: key }));
      const after = await s3.send(new ListObjectsV2Command({ Bucket: env.s3.bucket, Prefix: key }));
      expect(after.Contents ?? []).toEqual([]);
    } finally {
      s3.destroy();
    }
  });

  it("offers bucket versioning: a delete leaves a marker and the old version", async () => {
    const s3 = s3Client(env.s3);
    const bucket = `smoke-versioned-${randomBytes(3).toString("hex")}`;
    try {
      await s3.send(new CreateBucketCommand({ Bucket: bucket }));
      await s3.send(
        new PutBucketVersioningCommand({
          Bucket: bucket,
          VersioningConfiguration: { Status: "Enabled" },
        }),
      );
      const v = await s3.send(new GetBucketVersioningCommand({ Bucket: bucket }));
      expect(v.Status).toBe("Enabled");
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "k", Body: "v1" }));
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "k", Body: "v2" }));
      await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: "k" }));
      const versions = await s3.send(
        new ListObjectVersionsCommand({ Bucket: bucket, Prefix: "k" }),
      );
      expect(versions.Versions?.length).toBe(2);
      expect(versions.DeleteMarkers?.length).toBe(1);
    } finally {
      s3.destroy();
    }
  });
});

describe("prometheus", () => {
  it("answers a query about its own scrape target", async () => {
    const value = await eventually(
      async () => {
        const res = await fetch(`${env.prometheus.url}/api/v1/query?query=up{job="prometheus"}`);
        const body = (await res.json()) as {
          status: string;
          data: { result: { value: [number, string] }[] };
        };
        return body.data.result[0]?.value[1];
      },
      { what: "Prometheus to have scraped itself" },
    );
    expect(value).toBe("1");
  });
});

describe("prometheus scrape config", () => {
  it.runIf(env.prometheus.targetsDir)("scrapes a target a test adds at run time", async () => {
    const { createServer } = await import("node:http");
    const { addScrapeTargets } = await import("../src/index.js");
    const server = createServer((_req, res) => {
      res.setHeader("content-type", "text/plain; version=0.0.4");
      res.end("smoke_widgets_total 42\n");
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const port = (server.address() as { port: number }).port;
    const job = `smoke-${randomBytes(3).toString("hex")}`;
    addScrapeTargets(env.prometheus.targetsDir!, job, [`127.0.0.1:${port}`]);
    try {
      const value = await eventually(
        async () => {
          const q = encodeURIComponent(`smoke_widgets_total{job="${job}"}`);
          const res = await fetch(`${env.prometheus.url}/api/v1/query?query=${q}`);
          const body = (await res.json()) as { data: { result: { value: [number, string] }[] } };
          return body.data.result[0]?.value[1];
        },
        { what: `Prometheus to scrape job ${job}` },
      );
      expect(value).toBe("42");
    } finally {
      addScrapeTargets(env.prometheus.targetsDir!, job, []);
      server.close();
    }
  });
});
