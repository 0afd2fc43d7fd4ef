// The Debian minbase root file system, built once per machine with debootstrap, trimmed of what
// a container never reads (docs, man pages, locales, apt's lists and caches) and kept as a
// finished layer blob in the cache, so later builds only add their own layers.

import { spawnSync } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { dirname, join } from "node:path";
import { withLock } from "@livesync/testkit";
import { entriesFromDir, writeLayer, type LayerBlob } from "./layer.js";

/** A cached base layer and the account files the layers above extend. */
export interface BaseLayer extends LayerBlob {
  passwd: string;
  group: string;
}

/** Bump when the trimming changes: a new key, a new cached layer. */
const FORMAT = "v1";

/** Under the root file system: what is removed (contents of directories, or files). */
export const TRIMMED = [
  "usr/share/man",
  "usr/share/info",
  "usr/share/locale",
  "usr/share/lintian",
  "usr/share/linda",
  "usr/share/doc-base",
  "usr/share/bug",
  "usr/share/menu",
  "usr/share/pixmaps",
  "usr/share/bash-completion",
  "usr/share/gdb",
  "var/lib/apt/lists",
  "var/cache/apt",
  "var/cache/debconf",
  "var/log",
  "tmp",
];

/** The mirror of the machine's own apt sources, or Debian's. */
export function debianMirror(): string {
  if (process.env.LIVESYNC_DEBIAN_MIRROR) return process.env.LIVESYNC_DEBIAN_MIRROR;
  for (const file of ["/etc/apt/sources.list.d/debian.sources", "/etc/apt/sources.list"]) {
    if (!existsSync(file)) continue;
    // deb822 "URIs:" or one-line "deb" entries; not comments, not the security archive.
    const text = readFileSync(file, "utf8");
    const uris = [...text.matchAll(/^(?:URIs:|deb(?:\s+\[[^\]]*\])?)\s+(\S+)/gm)].map((m) => m[1]!);
    const main = uris.find((u) => /^https?:/.test(u) && !u.includes("security"));
    if (main) return main;
  }
  return "http://deb.debian.org/debian";
}

function run(cmd: string, args: string[], log: string): void {
  const r = spawnSync(cmd, args, { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  writeFileSync(log, `${r.stdout ?? ""}${r.stderr ?? ""}`);
  if (r.error) throw new Error(`${cmd}: ${r.error.message} (is it installed?)`);
  if (r.status !== 0) {
    const tail = readFileSync(log, "utf8").split("\n").slice(-15).join("\n");
    throw new Error(`${cmd} ${args.join(" ")} exited ${r.status} (log: ${log}):\n${tail}`);
  }
}

/** Removes documentation and caches, keeping each package's copyright file. */
function trim(root: string): void {
  // Contents only: the directories keep their modes (tmp is 1777).
  for (const rel of TRIMMED) {
    const dir = join(root, rel);
    if (!existsSync(dir)) continue;
    for (const name of readdirSync(dir)) rmSync(join(dir, name), { recursive: true, force: true });
  }
  run(
    "find",
    [join(root, "usr/share/doc"), "-type", "f", "!", "-name", "copyright", "-delete"],
    "/dev/null",
  );
  run("find", [join(root, "usr/share/doc"), "-type", "d", "-empty", "-delete"], "/dev/null");
}

/**
 * The bookworm minbase layer, from `cacheDir` or built there (debootstrap, as root; about a
 * minute). Parallel callers wait on a lock for one build.
 */
export async function ensureBaseLayer(cacheDir: string): Promise<BaseLayer> {
  const dir = join(cacheDir, "rootfs", `bookworm-minbase-${FORMAT}`);
  const meta = join(dir, "layer.json");
  mkdirSync(dirname(dir), { recursive: true });
  return withLock(`${dir}.lock`, async () => {
    if (existsSync(meta)) return JSON.parse(readFileSync(meta, "utf8")) as BaseLayer;
    if (process.getuid?.() !== 0) {
      throw new Error(
        `building the Debian root file system needs root (debootstrap); cache: ${dir}`,
      );
    }
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    const work = mkdtempSync(join(cacheDir, "rootfs", ".debootstrap-"));
    try {
      const root = join(work, "root");
      run(
        "debootstrap",
        ["--variant=minbase", "bookworm", root, debianMirror()],
        join(dir, "debootstrap.log"),
      );
      trim(root);
      const entries = entriesFromDir(root, { prefix: "", emptyDirs: ["dev", "proc", "sys"] });
      const blob = await writeLayer(entries, join(dir, "layer.tar.gz"));
      const layer: BaseLayer = {
        ...blob,
        passwd: readFileSync(join(root, "etc/passwd"), "utf8"),
        group: readFileSync(join(root, "etc/group"), "utf8"),
      };
      // Written last: its presence says the layer is complete.
      writeFileSync(meta, JSON.stringify(layer, null, 2));
      return layer;
    } finally {
      unmountUnder(work);
      rmSync(work, { recursive: true, force: true });
    }
  });
}

/** debootstrap mounts proc and sys in the new root; a failed run may leave them: never delete through them. */
function unmountUnder(dir: string): void {
  const mounts = readFileSync("/proc/self/mounts", "utf8")
    .split("\n")
    .map((line) => line.split(" ")[1] ?? "")
    .filter((m) => m.startsWith(`${dir}/`))
    .sort()
    .reverse();
  for (const m of mounts) spawnSync("umount", ["-l", m]);
}
