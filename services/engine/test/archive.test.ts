/**
 * The archiver in the running pipeline: originals (untransformed, sanitised) land in the real
 * S3 bucket at the documented path while the destination gets the transformed copy.
 */
import { GetObjectCommand } from "@aws-sdk/client-s3";
import { AppsV1Api } from "@kubernetes/client-node";
import { afterAll, afterEach, describe, expect, inject, it } from "vitest";
import { canonicalJson } from "@livesync/api";
import { decodeArchiveEntry, sanitize, type KubeObject } from "@livesync/core";
import { eventually, kubeConfigFor, s3Client } from "@livesync/testkit";
import { EngineTestbed, LS_NAMESPACE, uniq } from "../src/testing.js";

const env = inject("testenv");
const src = kubeConfigFor(env, "source");
const dst = kubeConfigFor(env, "destination");
const srcApps = src.makeApiClient(AppsV1Api);
const dstApps = dst.makeApiClient(AppsV1Api);
const s3 = s3Client(env.s3);
const bed = new EngineTestbed(env, "arc");

afterEach(() => bed.stopEngine());
afterAll(async () => {
  s3.destroy();
  await bed.removeNamespaces();
});

async function stored(key: string) {
  try {
    const res = await s3.send(new GetObjectCommand({ Bucket: env.s3.bucket, Key: key }));
    return decodeArchiveEntry(await res.Body!.transformToString());
  } catch (err) {
    if ((err as { name?: string }).name === "NoSuchKey") return undefined;
    throw err;
  }
}

describe("archive", () => {
  it("stores the untransformed original at <bucket ns>/<bucket>/<gvr>/<ns>.<name>, and a tombstone on delete", async () => {
    const ns = await bed.namespace();
    await srcApps.createNamespacedDeployment({
      namespace: ns,
      body: {
        metadata: { name: "web", labels: { tier: "front" } },
        spec: {
          replicas: 3,
          selector: { matchLabels: { app: "web" } },
          template: {
            metadata: { labels: { app: "web" } },
            spec: { containers: [{ name: "web", image: "nginx:1.27" }] },
          },
        },
      },
    });
    await bed.start(
      [
        {
          name: uniq("arc"),
          bucket: true,
          resources: [
            {
              group: "apps",
              version: "v1",
              resource: "deployments",
              transformation: { patch: [{ op: "replace", path: "/spec/replicas", value: 0 }] },
              filters: { nameSelector: { regex: ["web"] } },
            },
          ],
        },
      ],
      { natsUrl: env.nats.url, stream: uniq("ARC").toUpperCase().replace(/-/g, "_") },
    );
    const key = `${LS_NAMESPACE}/archive/apps-v1-deployments/${ns}.web`;
    const entry = await eventually(
      async () => {
        const e = await stored(key);
        return e?.kind === "object" ? e : undefined;
      },
      { what: `the original at ${key}` },
    );
    // The archiver and the synchronizer consume independently: either may finish first.
    const copy = await eventually(
      () => dstApps.readNamespacedDeployment({ name: "web", namespace: ns }).catch(() => undefined),
      { what: "the copy of web" },
    );
    expect(copy.spec?.replicas).toBe(0);
    expect(entry.verified).toBe(true);
    expect((entry.original as unknown as { spec: { replicas: number } }).spec.replicas).toBe(3);
    // Byte for byte the sanitised source object (the raw JSON, not client-node's model).
    const raw = (await src
      .makeApiClient(AppsV1Api)
      .readNamespacedDeployment({ name: "web", namespace: ns })) as unknown;
    const sourceJson = JSON.parse(JSON.stringify(raw)) as KubeObject;
    const expected = sanitize(
      { ...sourceJson, apiVersion: "apps/v1", kind: "Deployment" },
      { group: "apps", version: "v1", resource: "deployments" },
    );
    expect("object" in expected).toBe(true);
    expect(canonicalJson(entry.original)).toBe(
      canonicalJson((expected as { object: KubeObject }).object),
    );
    expect(entry.marks).toMatchObject({ sourceUid: sourceJson.metadata.uid });

    await srcApps.deleteNamespacedDeployment({ name: "web", namespace: ns });
    await eventually(async () => ((await stored(key))?.kind === "tombstone" ? true : undefined), {
      what: "the tombstone",
    });
    await s3.send(new GetObjectCommand({ Bucket: env.s3.bucket, Key: key })); // still there, as a tombstone
  });
});
