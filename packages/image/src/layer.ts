// Layer tars written with tar-stream: reproducible (fixed times, owners from the description,
// names in order), gzip-compressed, with both digests an image needs: the uncompressed tar's
// (the config's diff_id) and the compressed blob's (the manifest's).

import { createHash, randomUUID } from "node:crypto";
import { createReadStream, createWriteStream, lstatSync, readdirSync, readlinkSync } from "node:fs";
import { rename } from "node:fs/promises";
import { join } from "node:path";
import { Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createGzip } from "node:zlib";
import tar from "tar-stream";

/** One entry of a layer: `path` is inside the image, without a leading slash. */
export type LayerEntry = {
  path: string;
  mode: number;
  uid: number;
  gid: number;
} & (
  | { type: "directory" }
  | { type: "file"; from: string; size: number }
  | { type: "data"; data: Buffer }
  | { type: "symlink"; target: string }
  /** A hard link to an earlier entry of the same layer. */
  | { type: "link"; target: string }
);

/** A written layer blob and its descriptors. */
export interface LayerBlob {
  file: string;
  /** sha256 of the gzip blob. */
  digest: string;
  /** sha256 of the uncompressed tar. */
  diffId: string;
  size: number;
  uncompressedSize: number;
}

/** Times in layers are fixed: the same content gives the same digest. */
const MTIME = new Date("2000-01-01T00:00:00Z");

export interface WalkOptions {
  /** Where the directory's contents go in the image ("" for the root). */
  prefix: string;
  /** Paths (inside the image) whose contents are left out; the directory itself stays. */
  emptyDirs?: string[];
  /** Owner of every entry (default: the owner on disk). */
  owner?: { uid: number; gid: number };
}

/** The entries of a directory tree, parents before children, hard links kept as links. */
export function entriesFromDir(root: string, opts: WalkOptions): LayerEntry[] {
  const out: LayerEntry[] = [];
  const seen = new Map<string, string>();
  const empty = new Set(opts.emptyDirs ?? []);
  const walk = (dir: string, inImage: string) => {
    for (const name of readdirSync(dir).sort()) {
      const from = join(dir, name);
      const path = inImage ? `${inImage}/${name}` : name;
      const st = lstatSync(from);
      const base = {
        path,
        mode: st.mode & 0o7777,
        uid: opts.owner?.uid ?? st.uid,
        gid: opts.owner?.gid ?? st.gid,
      };
      if (st.isDirectory()) {
        out.push({ ...base, type: "directory" });
        if (!empty.has(path)) walk(from, path);
      } else if (st.isSymbolicLink()) {
        out.push({ ...base, type: "symlink", target: readlinkSync(from) });
      } else if (st.isFile()) {
        const key = `${st.dev}:${st.ino}`;
        const first = st.nlink > 1 ? seen.get(key) : undefined;
        if (first) out.push({ ...base, type: "link", target: first });
        else out.push({ ...base, type: "file", from, size: st.size });
        if (st.nlink > 1 && !first) seen.set(key, path);
      } else {
        // Device nodes, sockets, fifos: the runtime provides /dev; nothing else needs them.
        continue;
      }
    }
  };
  walk(root, opts.prefix.replace(/^\/+|\/+$/g, ""));
  return out;
}

/** Directories leading to `path` (e.g. usr, usr/local for usr/local/bin), root-owned 0755. */
export function parentDirs(path: string): LayerEntry[] {
  const parts = path.replace(/^\/+/, "").split("/").slice(0, -1);
  return parts.map((_, i) => ({
    path: parts.slice(0, i + 1).join("/"),
    type: "directory" as const,
    mode: 0o755,
    uid: 0,
    gid: 0,
  }));
}

/** sha256 of what flows through, and how many bytes. */
function hashing(): { stream: Transform; result: () => { digest: string; size: number } } {
  const hash = createHash("sha256");
  let size = 0;
  const stream = new Transform({
    transform(chunk: Buffer, _enc, done) {
      hash.update(chunk);
      size += chunk.length;
      done(null, chunk);
    },
  });
  return { stream, result: () => ({ digest: `sha256:${hash.digest("hex")}`, size }) };
}

/** Writes `entries` as a gzip layer blob to `file` (through a temporary name). */
export async function writeLayer(entries: LayerEntry[], file: string): Promise<LayerBlob> {
  const pack = tar.pack();
  const raw = hashing();
  const gz = hashing();
  const tmp = `${file}.${randomUUID()}.tmp`; // parallel builders never share one
  const written = pipeline(pack, raw.stream, createGzip(), gz.stream, createWriteStream(tmp));
  for (const e of entries) await addEntry(pack, e);
  pack.finalize();
  await written;
  await rename(tmp, file);
  const r = raw.result();
  const g = gz.result();
  return { file, digest: g.digest, diffId: r.digest, size: g.size, uncompressedSize: r.size };
}

async function addEntry(pack: tar.Pack, e: LayerEntry): Promise<void> {
  const header = { name: e.path, mode: e.mode, uid: e.uid, gid: e.gid, mtime: MTIME };
  switch (e.type) {
    case "directory":
      return entry(pack, { ...header, type: "directory" });
    case "symlink":
      return entry(pack, { ...header, type: "symlink", linkname: e.target });
    case "link":
      return entry(pack, { ...header, type: "link", linkname: e.target });
    case "data":
      return entry(pack, { ...header, type: "file", size: e.data.length }, e.data);
    case "file": {
      const sink = pack.entry({ ...header, type: "file", size: e.size });
      await pipeline(createReadStream(e.from), sink);
      return;
    }
  }
}

function entry(
  pack: tar.Pack,
  header: Parameters<tar.Pack["entry"]>[0],
  data?: Buffer,
): Promise<void> {
  return new Promise((resolve, reject) => {
    pack.entry(header, data ?? Buffer.alloc(0), (err) => (err ? reject(err) : resolve()));
  });
}

export { MTIME };
