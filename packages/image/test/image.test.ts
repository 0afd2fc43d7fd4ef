/**
 * `pnpm image` end to end: the livesync and NATS images are built (the Debian root file system
 * from the machine's cache), read back with tar as a runtime reads them, unpacked, and started
 * from their root file systems as their non-root users, with no node and no container engine:
 * the compiled CLI replicates between the real clusters and stops promptly on SIGTERM.
 */
import { spawn, spawnSync } from "node:child_process";
import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readlinkSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CoreV1Api } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { eventually, freshNamespace, kubeConfigFor } from "@livesync/testkit";
import { manifestsFor, uniq } from "@livesync/engine/testing";
import { buildImage, buildNatsImage, type BuiltImage } from "../src/index.js";
import {
  diffIdOf,
  inImage,
  layerPaths,
  readArchive,
  sha256File,
  unpackLayers,
  type Unpacked,
} from "./unpack.js";

const env = inject("testenv");
const work = mkdtempSync(join(tmpdir(), "livesync-image-test-"));
let image: BuiltImage;
let nats: BuiltImage;
let u: Unpacked;
const root = join(work, "rootfs");
const cleanups: (() => Promise<void>)[] = [];

beforeAll(async () => {
  // First run on a machine: debootstrap (about a minute or two); then from the cache.
  [image, nats] = [await buildImage({ outDir: work }), await buildNatsImage({ outDir: work })];
  u = readArchive(image.archive, join(work, "layout"));
  unpackLayers(u, root);
}, 900_000);

afterAll(async () => {
  for (const c of cleanups) await c();
  rmSync(work, { recursive: true, force: true });
});

describe("the livesync image archive", () => {
  it("is an OCI layout whose index names the image and whose blobs match their digests", () => {
    expect(u.entries).toEqual(expect.arrayContaining(["oci-layout", "index.json"]));
    expect(u.index.manifests[0]!.annotations["io.containerd.image.name"]).toBe(
      "docker.io/library/livesync:0.1.0",
    );
    expect(image.tag).toBe("0.1.0");
    expect(u.manifest.layers).toHaveLength(3);
    for (const l of u.manifest.layers) expect(sha256File(u.blob(l.digest))).toBe(l.digest);
    expect(u.manifest.layers.map((l) => diffIdOf(u.blob(l.digest)))).toEqual(
      u.config.rootfs.diff_ids,
    );
  });

  it("starts node itself as the non-root user, in /app", () => {
    expect(u.config.config.User).toBe("10001:10001");
    expect(u.config.config.Entrypoint).toEqual([
      "/usr/local/bin/node",
      "/app/services/cli/dist/src/main.js",
    ]);
    expect(u.config.config.WorkingDir).toBe("/app");
  });

  it("holds Debian, Node.js and compiled JavaScript with production dependencies only", () => {
    const [base, node, app] = u.manifest.layers.map((l) => layerPaths(u.blob(l.digest)));
    expect(base).toContain("usr/bin/env");
    expect(base!.filter((p) => p.startsWith("usr/share/man/") && p.length > 14)).toEqual([]);
    expect(node).toContain("usr/local/bin/node");
    expect(app).toContain("app/services/cli/dist/src/main.js");
    expect(app).toContain("etc/passwd");
    expect(app!.filter((p) => /\.(ts|map)$/.test(p))).toEqual([]);
    expect(app!.some((p) => /node_modules\/\.pnpm\/(vitest|typescript|tsx|eslint)@/.test(p))).toBe(
      false,
    );
    expect(
      app!.some((p) => p.includes("@livesync/testkit") || p.includes("packages/testkit")),
    ).toBe(false);
  });

  it("runs the compiled CLI from its root file system: the entry point, and livesync on the PATH", () => {
    const run = (argv: string[]) => {
      const [cmd, args] = inImage(root, u, argv);
      return spawnSync(cmd, args, { encoding: "utf8", timeout: 60_000 });
    };
    const help = run([...u.config.config.Entrypoint, ...u.config.config.Cmd]);
    expect(help.stderr + help.stdout).toContain("livesync run -f <file-or-dir>");
    expect(help.status).toBe(0);
    // `livesync` on the PATH (its shebang finds node), as the image's user.
    const operator = run(["livesync", "operator", "--help"]);
    expect(operator.stdout + operator.stderr).toContain("--components");
    expect(operator.status).toBe(0);
  });

  it("replicates with `livesync run` as its user in /app, and exits 0 soon after SIGTERM", async () => {
    const srcKc = kubeConfigFor(env, "source");
    const dstCore = kubeConfigFor(env, "destination").makeApiClient(CoreV1Api);
    const label = uniq("image");
    const ns = await freshNamespace(srcKc, "image", { "livesync-image-test": label });
    cleanups.push(ns.remove, async () => {
      await dstCore.deleteNamespace({ name: ns.name }).catch(() => undefined);
    });
    await srcKc.makeApiClient(CoreV1Api).createNamespacedConfigMap({
      namespace: ns.name,
      body: { metadata: { name: "from-the-image" }, data: { v: "1" } },
    });
    const m = manifestsFor(env, [
      {
        name: label,
        resources: [
          {
            version: "v1",
            resource: "configmaps",
            filters: { namespaceSelector: { matchLabels: { "livesync-image-test": label } } },
          },
        ],
      },
    ]);
    // Inside the image's root file system, readable by its user.
    const dir = join(root, "tmp", label);
    mkdirSync(dir);
    chmodSync(dir, 0o755);
    [...m.secrets, ...m.clusters, ...m.liveSyncs].forEach((d, i) =>
      writeFileSync(join(dir, `${i}.yaml`), JSON.stringify(d), { mode: 0o644 }),
    );
    const [cmd, args] = inImage(root, u, [
      ...u.config.config.Entrypoint,
      "run",
      "-f",
      `/tmp/${label}`,
    ]);
    const child = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (d: Buffer) => (output += d.toString()));
    child.stderr.on("data", (d: Buffer) => (output += d.toString()));
    const exited = new Promise<number | null>((resolve) =>
      child.on("exit", (code) => resolve(code)),
    );
    cleanups.push(async () => void child.kill("SIGKILL"));
    await eventually(
      () =>
        dstCore
          .readNamespacedConfigMap({ name: "from-the-image", namespace: ns.name })
          .then((cm) => cm.data?.v)
          .catch(() => undefined),
      { timeoutMs: 60_000, what: () => `the copy made from the image (its output: ${output})` },
    );
    // The image's process itself (every launcher step execs): its user and working directory.
    const status = readFileSync(`/proc/${child.pid}/status`, "utf8");
    expect(/^Uid:\s+(\d+)/m.exec(status)?.[1]).toBe("10001");
    expect(/^Gid:\s+(\d+)/m.exec(status)?.[1]).toBe("10001");
    expect(readlinkSync(`/proc/${child.pid}/cwd`)).toBe(join(root, "app"));
    const signalled = Date.now();
    child.kill("SIGTERM");
    const code = await Promise.race([
      exited,
      new Promise<string>((r) => setTimeout(() => r("still running 15 s after SIGTERM"), 15_000)),
    ]);
    expect(code, output).toBe(0);
    expect(Date.now() - signalled).toBeLessThan(15_000);
    expect(output).toContain("stopping");
  }, 120_000);
});

describe("the NATS image archive", () => {
  it("holds nats-server alone, runs as its user with JetStream on the /data volume", () => {
    const n = readArchive(nats.archive, join(work, "nats-layout"));
    expect(n.index.manifests[0]!.annotations["io.containerd.image.name"]).toMatch(
      /^docker\.io\/library\/livesync-nats:\d+\.\d+\.\d+$/,
    );
    expect(n.config.config.User).toBe("1000:1000");
    expect(n.config.config.Entrypoint).toEqual(["/usr/local/bin/nats-server"]);
    expect(n.config.config.Cmd).toEqual(["-js", "-sd", "/data", "-m", "8222"]);
    const natsRoot = join(work, "nats-rootfs");
    unpackLayers(n, natsRoot);
    // No shell or env in a scratch image: chroot runs the binary directly.
    const r = spawnSync(
      "chroot",
      ["--userspec=1000:1000", natsRoot, "/usr/local/bin/nats-server", "--version"],
      { encoding: "utf8" },
    );
    expect(r.stdout).toContain(nats.tag);
    expect(r.status).toBe(0);
    const data = spawnSync("stat", ["-c", "%u:%g", join(natsRoot, "data")], { encoding: "utf8" });
    expect(data.stdout.trim()).toBe("1000:1000");
  });
});

describe("image sizes", () => {
  it("stay small: the compressed livesync image under 150 MB, NATS under 20 MB", () => {
    expect(image.sizeBytes).toBeLessThan(150e6);
    expect(nats.sizeBytes).toBeLessThan(20e6);
  });
});
