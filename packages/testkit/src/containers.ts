/**
 * The container path: the same components from images, for machines with a Docker engine.
 * Selected by LIVESYNC_TESTENV_PROVIDER=containers|auto (see provider.ts); the Go-built
 * binaries are the default and the path CI proves, since its machines have no Docker engine.
 */
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { CreateBucketCommand } from "@aws-sdk/client-s3";
import { s3Client, TESTENV_BUCKET, TESTENV_REGION } from "./components/s3.js";
import type { ClusterEndpoint, TestEnvironment } from "./env.js";
import type { Plan } from "./provider.js";

export const IMAGES = {
  k3s: "rancher/k3s:v1.35.4-k3s1",
  nats: "nats:2.11-alpine",
  minio: "minio/minio:latest",
  prometheus: "prom/prometheus:latest",
};

export async function startWithContainers(
  plan: Plan,
  dir: string,
  clusterNames: string[],
): Promise<TestEnvironment> {
  if (Object.values(plan).includes("external") || Object.values(plan).includes("binaries")) {
    throw new Error("the container path starts every component; unset the LIVESYNC_* endpoints");
  }
  // Containers must outlive `testenv up`: no reaper; `down` removes them by id.
  process.env.TESTCONTAINERS_RYUK_DISABLED = "true";
  const { GenericContainer, Wait } = await import("testcontainers");
  const ids: string[] = [];
  const record = <T extends { getId(): string }>(c: T) => {
    ids.push(c.getId());
    writeFileSync(join(dir, "containers.json"), JSON.stringify(ids));
    return c;
  };

  const clusters: Record<string, ClusterEndpoint> = {};
  for (const name of clusterNames) {
    const k3s = record(
      await new GenericContainer(IMAGES.k3s)
        .withPrivilegedMode()
        .withCommand(["server", "--disable=traefik,metrics-server", "--tls-san=127.0.0.1"])
        .withExposedPorts(6443)
        .withWaitStrategy(Wait.forLogMessage("Node controller sync successful"))
        .start(),
    );
    const server = `https://127.0.0.1:${k3s.getMappedPort(6443)}`;
    const raw = (await k3s.exec(["cat", "/etc/rancher/k3s/k3s.yaml"])).output;
    const kubeconfig = join(dir, `${name}.kubeconfig.yaml`);
    writeFileSync(
      kubeconfig,
      raw.replace(/server: https:\/\/127\.0\.0\.1:6443/, `server: ${server}`),
    );
    clusters[name] = { kubeconfig, server };
  }

  const nats = record(
    await new GenericContainer(IMAGES.nats)
      .withCommand(["-js"])
      .withExposedPorts(4222)
      .withWaitStrategy(Wait.forLogMessage("Server is ready"))
      .start(),
  );
  const accessKeyID = `testenv${randomBytes(6).toString("hex")}`;
  const secretAccessKey = randomBytes(24).toString("hex");
  const minio = record(
    await new GenericContainer(IMAGES.minio)
      .withCommand(["server", "/data"])
      .withEnvironment({ MINIO_ROOT_USER: accessKeyID, MINIO_ROOT_PASSWORD: secretAccessKey })
      .withExposedPorts(9000)
      .withWaitStrategy(Wait.forHttp("/minio/health/ready", 9000))
      .start(),
  );
  const s3 = {
    endpoint: `http://127.0.0.1:${minio.getMappedPort(9000)}`,
    region: TESTENV_REGION,
    bucket: TESTENV_BUCKET,
    accessKeyID,
    secretAccessKey,
    forcePathStyle: true,
  };
  const client = s3Client(s3);
  await client.send(new CreateBucketCommand({ Bucket: s3.bucket })).finally(() => client.destroy());
  const prometheus = record(
    await new GenericContainer(IMAGES.prometheus)
      .withExposedPorts(9090)
      .withWaitStrategy(Wait.forHttp("/-/ready", 9090))
      .start(),
  );
  return {
    provider: "containers",
    clusters,
    nats: { url: `nats://127.0.0.1:${nats.getMappedPort(4222)}` },
    s3,
    prometheus: { url: `http://127.0.0.1:${prometheus.getMappedPort(9090)}` },
  };
}

export async function stopContainers(dir: string): Promise<void> {
  const file = join(dir, "containers.json");
  const ids = JSON.parse(readFileSync(file, "utf8")) as string[];
  if (ids.length > 0) execFileSync("docker", ["rm", "-f", ...ids], { stdio: "ignore" });
  writeFileSync(file, "[]");
}
