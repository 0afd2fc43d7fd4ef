// `pnpm image`'s work: the livesync image (Debian minbase, Node.js, the compiled application)
// and the NATS image (nats-server alone), as OCI archives, and their import into a node's
// containerd.

import { execFileSync } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import { natsServerBinary, repoRoot, withLock } from "@livesync/testkit";
import { stageApp } from "./app.js";
import {
  entriesFromDir,
  parentDirs,
  writeLayer,
  type LayerBlob,
  type LayerEntry,
} from "./layer.js";
import { nodeBinary, nodeVersion } from "./node-binary.js";
import { writeOciArchive } from "./oci.js";
import { ensureBaseLayer } from "./rootfs.js";
import {
  LIVESYNC_IMAGE,
  NATS_IMAGE,
  accountFiles,
  fullImageName,
  type Content,
  type ImageSpec,
} from "./spec.js";

export interface BuiltImage {
  /** The OCI archive. */
  archive: string;
  /** The full reference containerd and the kubelet know it by, e.g. docker.io/library/livesync:0.1.0. */
  name: string;
  tag: string;
  /** The archive's size: the compressed layers, config and manifest. */
  sizeBytes: number;
  /** The unpacked root file system's size (the layers' uncompressed tars). */
  uncompressedBytes: number;
  layers: { what: string; sizeBytes: number; uncompressedBytes: number }[];
}

export interface BuildOptions {
  /** The repository (default: this one). */
  repo?: string;
  /** Where the archives go (default: <repo>/.images). */
  outDir?: string;
  /** The machine's cache: root file system, Node.js (default: ~/.cache/livesync). */
  cacheDir?: string;
  /** Default: the version in the repository's package.json (NATS: nats-server's). */
  tag?: string;
}

export function defaultCacheDir(): string {
  const xdg = process.env.XDG_CACHE_HOME ?? join(homedir(), ".cache");
  return process.env.LIVESYNC_CACHE_DIR ?? join(xdg, "livesync");
}

export function projectVersion(repo: string): string {
  const { version } = JSON.parse(readFileSync(join(repo, "package.json"), "utf8")) as {
    version?: string;
  };
  if (!version) throw new Error(`${join(repo, "package.json")} has no "version": the image's tag`);
  return version;
}

const rootOwned = { uid: 0, gid: 0 };

function data(path: string, text: string): LayerEntry {
  return { path, type: "data", data: Buffer.from(text), mode: 0o644, ...rootOwned };
}

/** The user's entries in /etc and the volumes it owns. */
function userEntries(spec: ImageSpec, base?: { passwd: string; group: string }): LayerEntry[] {
  const accounts = accountFiles(spec, base);
  const owned = { uid: spec.user.uid, gid: spec.user.gid };
  return [
    data("etc/passwd", accounts.passwd),
    data("etc/group", accounts.group),
    ...spec.volumes.flatMap((v) => [
      ...parentDirs(v),
      { path: v.slice(1), type: "directory" as const, mode: 0o755, ...owned },
    ]),
    ...spec.links.map((l) => ({
      path: l.path.slice(1),
      type: "symlink" as const,
      target: l.target,
      mode: 0o777,
      ...rootOwned,
    })),
  ];
}

/** The entries that put `content` (a file or a directory on the host) at `to`. */
function contentEntries(from: string, to: string): LayerEntry[] {
  const path = to.slice(1);
  const st = statSync(from);
  if (st.isDirectory())
    return [
      ...parentDirs(path),
      { path, type: "directory", mode: 0o755, ...rootOwned },
      ...entriesFromDir(from, { prefix: path, owner: rootOwned }),
    ];
  return [
    ...parentDirs(path),
    { path, type: "file", from, size: st.size, mode: 0o755, ...rootOwned },
  ];
}

function summary(
  spec: ImageSpec,
  archive: string,
  tag: string,
  layers: [string, LayerBlob][],
): BuiltImage {
  return {
    archive,
    name: fullImageName(spec.repository, tag),
    tag,
    sizeBytes: statSync(archive).size,
    uncompressedBytes: layers.reduce((n, [, l]) => n + l.uncompressedSize, 0),
    layers: layers.map(([what, l]) => ({
      what,
      sizeBytes: l.size,
      uncompressedBytes: l.uncompressedSize,
    })),
  };
}

/** A layer kept in the cache under `key`: built once, by one caller at a time. */
async function cachedLayer(
  cacheDir: string,
  key: string,
  entries: () => LayerEntry[],
): Promise<LayerBlob> {
  const dir = join(cacheDir, "layers");
  mkdirSync(dir, { recursive: true });
  const meta = join(dir, `${key}.json`);
  return withLock(join(dir, `${key}.lock`), async () => {
    if (existsSync(meta)) return JSON.parse(readFileSync(meta, "utf8")) as LayerBlob;
    const blob = await writeLayer(entries(), join(dir, `${key}.tar.gz`));
    writeFileSync(meta, JSON.stringify(blob));
    return blob;
  });
}

const copyOf = (spec: ImageSpec, content: Content) => {
  const copy = spec.copies.find((c) => c.content === content);
  if (!copy) throw new Error(`image ${spec.repository} declares no ${content}`);
  return copy.to;
};

/** The livesync image: compiles nothing itself (run `tsc -b` first; `pnpm image` does). */
export async function buildImage(opts: BuildOptions = {}): Promise<BuiltImage> {
  const spec = LIVESYNC_IMAGE;
  const repo = opts.repo ?? repoRoot();
  const cacheDir = opts.cacheDir ?? defaultCacheDir();
  const outDir = opts.outDir ?? join(repo, ".images");
  const tag = opts.tag ?? projectVersion(repo);
  mkdirSync(outDir, { recursive: true });
  const base = await ensureBaseLayer(cacheDir);
  const version = nodeVersion(repo);
  const node = await cachedLayer(cacheDir, `node-${version}-linux-x64`, () =>
    contentEntries(nodeBinary(cacheDir, version), copyOf(spec, "node")),
  );
  const work = mkdtempSync(join(tmpdir(), "livesync-image-"));
  try {
    const app = join(work, "app");
    stageApp(repo, app);
    const appLayer = await writeLayer(
      [...contentEntries(app, copyOf(spec, "app")), ...userEntries(spec, base)],
      join(work, "app.tar.gz"),
    );
    const layers: [string, LayerBlob][] = [
      ["debian bookworm minbase", base],
      [`node ${version}`, node],
      ["livesync (compiled, production dependencies)", appLayer],
    ];
    const archive = join(outDir, `${spec.repository}-${tag}.oci.tar`);
    await writeOciArchive({
      spec,
      name: fullImageName(spec.repository, tag),
      layers: layers.map(([, l]) => l),
      file: archive,
    });
    return summary(spec, archive, tag, layers);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** The NATS image: the cached nats-server alone, JetStream's store on the /data volume. */
export async function buildNatsImage(opts: BuildOptions = {}): Promise<BuiltImage> {
  const spec = NATS_IMAGE;
  const repo = opts.repo ?? repoRoot();
  const outDir = opts.outDir ?? join(repo, ".images");
  const nats = natsServerBinary();
  const tag = opts.tag ?? nats.version.replace(/^v/, "");
  mkdirSync(outDir, { recursive: true });
  const work = mkdtempSync(join(tmpdir(), "livesync-image-"));
  try {
    const entries: LayerEntry[] = [
      { path: "etc", type: "directory", mode: 0o755, ...rootOwned },
      { path: "tmp", type: "directory", mode: 0o1777, ...rootOwned },
      ...contentEntries(nats.path, copyOf(spec, "nats-server")),
      ...userEntries(spec),
    ];
    const layer = await writeLayer(entries, join(work, "nats.tar.gz"));
    const archive = join(outDir, `${spec.repository}-${tag}.oci.tar`);
    const layers: [string, LayerBlob][] = [[`nats-server ${nats.version}`, layer]];
    await writeOciArchive({
      spec,
      name: fullImageName(spec.repository, tag),
      layers: [layer],
      file: archive,
    });
    return summary(spec, archive, tag, layers);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** Imports an archive into the containerd at `socket`, where the kubelet finds images (k8s.io). */
export function importImage(archive: string, socket: string): void {
  execFileSync("ctr", ["--address", socket, "--namespace", "k8s.io", "images", "import", archive], {
    stdio: ["ignore", "pipe", "pipe"],
  });
}
