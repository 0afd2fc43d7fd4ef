// Reads an OCI archive with the machine's own tools, as a runtime would: tar lists and extracts
// it, the index leads to the manifest and the config, and the layers unpack in order.

import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

export interface Unpacked {
  index: { manifests: { digest: string; annotations: Record<string, string> }[] };
  manifest: { config: { digest: string }; layers: { digest: string; size: number }[] };
  config: {
    config: {
      User: string;
      Env: string[];
      Entrypoint: string[];
      Cmd: string[];
      WorkingDir: string;
    };
    rootfs: { diff_ids: string[] };
  };
  /** Names of the archive's entries (tar -t). */
  entries: string[];
  blob: (digest: string) => string;
}

export function readArchive(archive: string, dir: string): Unpacked {
  mkdirSync(dir, { recursive: true });
  const entries = execFileSync("tar", ["-tf", archive], { encoding: "utf8" }).trim().split("\n");
  execFileSync("tar", ["-xf", archive, "-C", dir]);
  const blob = (digest: string) => join(dir, "blobs", "sha256", digest.replace("sha256:", ""));
  const json = (file: string) => JSON.parse(readFileSync(file, "utf8")) as never;
  const index = json(join(dir, "index.json")) as Unpacked["index"];
  const manifest = json(blob(index.manifests[0]!.digest)) as Unpacked["manifest"];
  const config = json(blob(manifest.config.digest)) as Unpacked["config"];
  return { index, manifest, config, entries, blob };
}

export const sha256File = (file: string) =>
  `sha256:${createHash("sha256").update(readFileSync(file)).digest("hex")}`;

/** sha256 of a gzip layer's uncompressed tar (its diff_id), by zcat. */
export const diffIdOf = (file: string) =>
  `sha256:${createHash("sha256")
    .update(execFileSync("zcat", [file], { maxBuffer: 1 << 30 }))
    .digest("hex")}`;

/** The layers, bottom first, extracted into `root` with owners and modes (we run as root). */
export function unpackLayers(u: Unpacked, root: string): void {
  mkdirSync(root, { recursive: true });
  for (const l of u.manifest.layers)
    execFileSync("tar", ["-xzf", u.blob(l.digest), "-C", root, "--numeric-owner"]);
}

/** Paths in a gzip layer (tar -tz). */
export const layerPaths = (file: string) =>
  execFileSync("tar", ["-tzf", file], { encoding: "utf8", maxBuffer: 1 << 28 }).split("\n");

/**
 * A command line that runs `argv` in `root` as `user` (uid:gid) with the image's environment and
 * working directory: a private mount namespace with /proc, then chroot. Every step execs, so
 * the returned process is the image's process itself (signals reach it).
 */
export function inImage(root: string, u: Unpacked, argv: string[]): [string, string[]] {
  const c = u.config.config;
  const script = 'mount -t proc proc "$0/proc" && exec chroot --userspec="$1" "$0" "${@:2}"';
  return [
    "unshare",
    [
      "--mount",
      "--propagation",
      "private",
      "bash",
      "-c",
      script,
      root,
      c.User,
      "/usr/bin/env",
      "-i",
      "-C",
      c.WorkingDir,
      ...c.Env,
      ...argv,
    ],
  ];
}
