// OCI image archives without a registry or a container engine: layer tars made by tar(1), an
// image config, a manifest and an index, which `ctr images import` reads.

import { createHash } from "node:crypto";
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";

export interface OciImage {
  /** The tag the image is imported as, e.g. `localhost/livesync-pause:1`. */
  name: string;
  /** Directories whose contents become the layers, bottom first. */
  layers: string[];
  entrypoint: string[];
  cmd?: string[];
  env?: string[];
  workingDir?: string;
  user?: string;
}

const MEDIA = {
  layer: "application/vnd.oci.image.layer.v1.tar",
  config: "application/vnd.oci.image.config.v1+json",
  manifest: "application/vnd.oci.image.manifest.v1+json",
  index: "application/vnd.oci.image.index.v1+json",
} as const;

/** Writes `image` as an OCI archive (a tar of an OCI image layout) to `archive`. */
export function writeOciArchive(image: OciImage, archive: string): void {
  mkdirSync(dirname(archive), { recursive: true });
  const layout = mkdtempSync(join(dirname(archive), ".oci-"));
  try {
    const blobs = join(layout, "blobs", "sha256");
    mkdirSync(blobs, { recursive: true });
    const putBlob = (data: Buffer) => {
      const digest = createHash("sha256").update(data).digest("hex");
      writeFileSync(join(blobs, digest), data);
      return { digest: `sha256:${digest}`, size: data.length };
    };
    const layers = image.layers.map((dir) => {
      const tmp = join(layout, "layer.tar");
      // Reproducible: same contents, same digest (no owners, times or order from the disk).
      execFileSync(
        "tar",
        ["--sort=name", "--owner=0", "--group=0", "--numeric-owner"].concat([
          "--mtime=@0",
          "-C",
          dir,
          "-cf",
          tmp,
          ".",
        ]),
      );
      const blob = putBlob(readFileSync(tmp));
      rmSync(tmp);
      return blob;
    });
    const config = putBlob(
      Buffer.from(
        JSON.stringify({
          architecture: "amd64",
          os: "linux",
          config: {
            Entrypoint: image.entrypoint,
            ...(image.cmd ? { Cmd: image.cmd } : {}),
            Env: image.env ?? ["PATH=/usr/local/bin:/usr/bin:/bin"],
            ...(image.workingDir ? { WorkingDir: image.workingDir } : {}),
            ...(image.user ? { User: image.user } : {}),
          },
          rootfs: { type: "layers", diff_ids: layers.map((l) => l.digest) },
        }),
      ),
    );
    const manifest = putBlob(
      Buffer.from(
        JSON.stringify({
          schemaVersion: 2,
          mediaType: MEDIA.manifest,
          config: { mediaType: MEDIA.config, ...config },
          layers: layers.map((l) => ({ mediaType: MEDIA.layer, ...l })),
        }),
      ),
    );
    writeFileSync(join(layout, "oci-layout"), JSON.stringify({ imageLayoutVersion: "1.0.0" }));
    writeFileSync(
      join(layout, "index.json"),
      JSON.stringify({
        schemaVersion: 2,
        mediaType: MEDIA.index,
        manifests: [
          {
            mediaType: MEDIA.manifest,
            ...manifest,
            platform: { architecture: "amd64", os: "linux" },
            annotations: { "io.containerd.image.name": image.name },
          },
        ],
      }),
    );
    execFileSync("tar", [
      "-C",
      layout,
      "-cf",
      `${archive}.tmp`,
      "oci-layout",
      "index.json",
      "blobs",
    ]);
    renameSync(`${archive}.tmp`, archive);
  } finally {
    rmSync(layout, { recursive: true, force: true });
  }
}

/** The pod sandbox's process: sleeps until told to stop, reaping the zombies it inherits. */
const PAUSE_C = `#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>
static void stop(int s) { (void)s; _exit(0); }
static void reap(int s) { (void)s; while (waitpid(-1, 0, WNOHANG) > 0) {} }
int main(void) {
  signal(SIGINT, stop);
  signal(SIGTERM, stop);
  signal(SIGCHLD, reap);
  for (;;) pause();
}
`;

export const PAUSE_IMAGE = "localhost/livesync-pause:1";

/** A one-layer image holding a static `pause` binary, built with the machine's C compiler. */
export function buildPauseImage(dir: string): string {
  const root = join(dir, "pause-rootfs");
  rmSync(root, { recursive: true, force: true });
  mkdirSync(root, { recursive: true });
  writeFileSync(join(dir, "pause.c"), PAUSE_C);
  try {
    execFileSync("gcc", ["-static", "-Os", "-s", "-o", join(root, "pause"), join(dir, "pause.c")]);
  } catch (err) {
    throw new Error(
      `building the pause image needs a C compiler with static libc (gcc, libc6-dev): ${String(err)}`,
    );
  }
  const archive = join(dir, "pause.oci.tar");
  writeOciArchive({ name: PAUSE_IMAGE, layers: [root], entrypoint: ["/pause"] }, archive);
  return archive;
}
