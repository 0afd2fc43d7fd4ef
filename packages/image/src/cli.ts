/**
 * `pnpm image`: compiles the repository and builds the livesync image (and with --nats the NATS
 * image) as OCI archives, printing their names and sizes; --import loads them into a node's
 * containerd; --app <dir> only writes the production application directory.
 */
import { execFileSync } from "node:child_process";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { envFile, readEnvFile, repoRoot } from "@livesync/testkit";
import { stageApp } from "./app.js";
import { buildImage, buildNatsImage, importImage, type BuiltImage } from "./build.js";

const usage = `usage: pnpm image [--out DIR] [--tag TAG] [--nats] [--import | --socket SOCKET]
       pnpm image --app DIR
  --out DIR       where the archives go (default: .images)
  --tag TAG       the livesync image's tag (default: package.json's version)
  --nats          also build the NATS image (nats-server alone), tagged with its version
  --import        import into the containerd of the node env.json records (namespace k8s.io)
  --socket SOCKET import into the containerd at SOCKET
  --app DIR       only write the compiled application with its production dependencies to DIR
                  (run it with node DIR/services/cli/dist/src/main.js, or DIR/bin/livesync)`;

const mb = (n: number) => `${(n / 1e6).toFixed(1)} MB`;

function print(image: BuiltImage, seconds: number): void {
  console.log(`${image.name}  ${image.archive}  (${seconds.toFixed(1)} s)`);
  console.log(`  compressed ${mb(image.sizeBytes)}, unpacked ${mb(image.uncompressedBytes)}`);
  for (const l of image.layers)
    console.log(
      `    ${mb(l.sizeBytes).padStart(9)} ${mb(l.uncompressedBytes).padStart(9)}  ${l.what}`,
    );
}

/** The containerd socket env.json records for the test environment's node. */
function recordedSocket(): string {
  const socket = readEnvFile()?.node?.containerdSocket;
  if (!socket)
    throw new Error(`--import: ${envFile()} records no node (pnpm testenv up --node); or --socket`);
  return socket;
}

async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      out: { type: "string" },
      tag: { type: "string" },
      nats: { type: "boolean" },
      import: { type: "boolean" },
      socket: { type: "string" },
      app: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
    allowPositionals: true,
  });
  if (values.help) {
    console.log(usage);
    return 0;
  }
  // Where to import, known before the build that it would follow.
  const socket = values.socket ?? (values.import ? recordedSocket() : undefined);
  const repo = repoRoot();
  execFileSync(process.execPath, [resolve(repo, "node_modules/typescript/bin/tsc"), "-b"], {
    cwd: repo,
    stdio: "inherit",
  });
  if (values.app) {
    const { packages } = stageApp(repo, resolve(values.app));
    console.log(`${resolve(values.app)}: ${packages.join(", ")}`);
    return 0;
  }
  const outDir = values.out ? resolve(values.out) : undefined;
  const built: BuiltImage[] = [];
  let start = performance.now();
  built.push(await buildImage({ outDir, tag: values.tag }));
  print(built[0]!, (performance.now() - start) / 1000);
  if (values.nats) {
    start = performance.now();
    built.push(await buildNatsImage({ outDir }));
    print(built[1]!, (performance.now() - start) / 1000);
  }
  if (socket) {
    for (const image of built) importImage(image.archive, socket);
    console.log(`imported into ${socket} (namespace k8s.io)`);
  }
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`pnpm image: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  },
);
