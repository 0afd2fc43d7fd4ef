// The OCI image layout, as one tar: oci-layout, index.json, and blobs/sha256/ holding the
// layers, the image config and the manifest. containerd (`ctr images import`) takes the tag
// from the index's io.containerd.image.name annotation.

import { createHash, randomUUID } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { rename, stat } from "node:fs/promises";
import { pipeline } from "node:stream/promises";
import tar from "tar-stream";
import type { LayerBlob } from "./layer.js";
import { MTIME } from "./layer.js";
import { DEBIAN_PATH, type ImageSpec } from "./spec.js";

export const MEDIA_TYPES = {
  layer: "application/vnd.oci.image.layer.v1.tar+gzip",
  config: "application/vnd.oci.image.config.v1+json",
  manifest: "application/vnd.oci.image.manifest.v1+json",
  index: "application/vnd.oci.image.index.v1+json",
} as const;

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  annotations?: Record<string, string>;
}

/** The image config: how the image starts and which uncompressed layers it stacks. */
export function imageConfig(spec: ImageSpec, diffIds: string[]): Record<string, unknown> {
  const ports = Object.fromEntries(spec.exposedPorts.map((p) => [`${p}/tcp`, {}]));
  const volumes = Object.fromEntries(spec.volumes.map((v) => [v, {}]));
  return {
    created: MTIME.toISOString(),
    architecture: "amd64",
    os: "linux",
    config: {
      User: `${spec.user.uid}:${spec.user.gid}`,
      Env: [`PATH=${DEBIAN_PATH}`, ...Object.entries(spec.env).map(([k, v]) => `${k}=${v}`)],
      Entrypoint: spec.entrypoint,
      Cmd: spec.cmd,
      WorkingDir: spec.workingDir,
      ...(spec.exposedPorts.length ? { ExposedPorts: ports } : {}),
      ...(spec.volumes.length ? { Volumes: volumes } : {}),
    },
    rootfs: { type: "layers", diff_ids: diffIds },
  };
}

export function imageManifest(config: Descriptor, layers: Descriptor[]): Record<string, unknown> {
  return { schemaVersion: 2, mediaType: MEDIA_TYPES.manifest, config, layers };
}

/** The index naming the manifest: `name` is the full reference, e.g. docker.io/library/x:1. */
export function imageIndex(manifest: Descriptor, name: string): Record<string, unknown> {
  const tag = name.slice(name.lastIndexOf(":") + 1);
  return {
    schemaVersion: 2,
    mediaType: MEDIA_TYPES.index,
    manifests: [
      {
        ...manifest,
        platform: { architecture: "amd64", os: "linux" },
        annotations: {
          "io.containerd.image.name": name,
          "org.opencontainers.image.ref.name": tag,
        },
      },
    ],
  };
}

function jsonBlob(value: unknown, mediaType: string): { data: Buffer; desc: Descriptor } {
  const data = Buffer.from(JSON.stringify(value));
  const digest = `sha256:${createHash("sha256").update(data).digest("hex")}`;
  return { data, desc: { mediaType, digest, size: data.length } };
}

const blobPath = (digest: string) => `blobs/sha256/${digest.replace(/^sha256:/, "")}`;

/** Writes the image as an OCI archive to `file`; returns the manifest's digest. */
export async function writeOciArchive(o: {
  spec: ImageSpec;
  name: string;
  layers: LayerBlob[];
  file: string;
}): Promise<string> {
  const config = jsonBlob(
    imageConfig(
      o.spec,
      o.layers.map((l) => l.diffId),
    ),
    MEDIA_TYPES.config,
  );
  const layerDescs = o.layers.map((l) => ({
    mediaType: MEDIA_TYPES.layer,
    digest: l.digest,
    size: l.size,
  }));
  const manifest = jsonBlob(imageManifest(config.desc, layerDescs), MEDIA_TYPES.manifest);
  const index = Buffer.from(JSON.stringify(imageIndex(manifest.desc, o.name)));

  const pack = tar.pack();
  const tmp = `${o.file}.${randomUUID()}.tmp`;
  const written = pipeline(pack, createWriteStream(tmp));
  const put = (name: string, data: Buffer) =>
    new Promise<void>((resolve, reject) =>
      pack.entry({ name, mode: 0o644, mtime: MTIME }, data, (err) =>
        err ? reject(err) : resolve(),
      ),
    );
  await put("oci-layout", Buffer.from(JSON.stringify({ imageLayoutVersion: "1.0.0" })));
  await put("index.json", index);
  for (const dir of ["blobs/", "blobs/sha256/"])
    pack.entry({ name: dir, type: "directory", mode: 0o755, mtime: MTIME });
  for (const layer of o.layers) {
    const { size } = await stat(layer.file);
    const sink = pack.entry({ name: blobPath(layer.digest), size, mode: 0o644, mtime: MTIME });
    await pipeline(createReadStream(layer.file), sink);
  }
  await put(blobPath(config.desc.digest), config.data);
  await put(blobPath(manifest.desc.digest), manifest.data);
  pack.finalize();
  await written;
  await rename(tmp, o.file);
  return manifest.desc.digest;
}
