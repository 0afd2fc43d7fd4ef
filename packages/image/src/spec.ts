/**
 * The images, declared once: the OCI generator builds from these descriptions, and a test checks
 * that the Dockerfile (for people with Docker) says the same about base, user, entrypoint and
 * what goes where.
 */

/** Where the compiled application lives in the image, and its entry point inside it. */
export const APP_DIR = "/app";
export const CLI_MAIN = "services/cli/dist/src/main.js";

/** What the builder puts into an image: each kind is produced by one step of the build. */
export type Content =
  /** The project's Node.js binary (only bin/node). */
  | "node"
  /** The compiled JavaScript of the CLI and its workspace packages, production dependencies. */
  | "app"
  /** The cached nats-server binary (static: it needs no libraries). */
  | "nats-server";

export interface ImageSpec {
  repository: string;
  /**
   * The root file system under the content: a Debian minbase (debootstrap) for the OCI build,
   * and the Docker image closest to it; or nothing but the content ("scratch").
   */
  base:
    { kind: "debian"; suite: "bookworm"; variant: "minbase"; docker: string } | { kind: "scratch" };
  /** The non-root user the image runs as (numeric, so runAsNonRoot can verify it). */
  user: { name: string; uid: number; gid: number };
  workingDir: string;
  entrypoint: string[];
  cmd: string[];
  env: Record<string, string>;
  exposedPorts: number[];
  /** Directories created empty and owned by the user (volumes mount there). */
  volumes: string[];
  copies: { content: Content; to: string }[];
  /** Symbolic links: `livesync` on the PATH. */
  links: { path: string; target: string }[];
}

export const DEBIAN_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

export const LIVESYNC_IMAGE: ImageSpec = {
  repository: "livesync",
  base: { kind: "debian", suite: "bookworm", variant: "minbase", docker: "debian:bookworm-slim" },
  user: { name: "livesync", uid: 10001, gid: 10001 },
  workingDir: APP_DIR,
  // node itself is PID 1: SIGTERM from the kubelet reaches the process that drains.
  entrypoint: ["/usr/local/bin/node", `${APP_DIR}/${CLI_MAIN}`],
  cmd: ["--help"],
  env: { NODE_ENV: "production", LIVESYNC_METRICS_HOST: "0.0.0.0" },
  exposedPorts: [9090],
  volumes: [],
  copies: [
    { content: "node", to: "/usr/local/bin/node" },
    { content: "app", to: APP_DIR },
  ],
  links: [{ path: "/usr/local/bin/livesync", target: `${APP_DIR}/${CLI_MAIN}` }],
};

export const NATS_IMAGE: ImageSpec = {
  repository: "livesync-nats",
  base: { kind: "scratch" },
  user: { name: "nats", uid: 1000, gid: 1000 },
  workingDir: "/",
  entrypoint: ["/usr/local/bin/nats-server"],
  // JetStream on the /data volume, monitoring (health checks) on 8222.
  cmd: ["-js", "-sd", "/data", "-m", "8222"],
  env: {},
  exposedPorts: [4222, 8222],
  volumes: ["/data"],
  copies: [{ content: "nats-server", to: "/usr/local/bin/nats-server" }],
  links: [],
};

/** containerd's name for a reference: kubelet asks for `livesync:0.1.0` as docker.io/library/…. */
export function fullImageName(repository: string, tag: string): string {
  const first = repository.split("/")[0]!;
  const hasRegistry = repository.includes("/") && /[.:]/.test(first);
  if (hasRegistry) return `${repository}:${tag}`;
  return `docker.io/${repository.includes("/") ? "" : "library/"}${repository}:${tag}`;
}

/** /etc/passwd and /etc/group of the image: the base's (if any) and the image's user. */
export function accountFiles(
  spec: ImageSpec,
  base: { passwd: string; group: string } = { passwd: "", group: "" },
): { passwd: string; group: string } {
  const { name, uid, gid } = spec.user;
  const line = (text: string) => (text && !text.endsWith("\n") ? `${text}\n` : text);
  const root = { passwd: "root:x:0:0:root:/root:/sbin/nologin\n", group: "root:x:0:\n" };
  return {
    passwd: `${line(base.passwd) || root.passwd}${name}:x:${uid}:${gid}::${spec.workingDir}:/usr/sbin/nologin\n`,
    group: `${line(base.group) || root.group}${name}:x:${gid}:\n`,
  };
}
