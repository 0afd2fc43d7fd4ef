// Writes deploy/crds and the Helm chart's crds/ (deploy/helm/livesync/crds) from packages/api
// (src/crds.ts): one file per CustomResourceDefinition, plus kustomization.yaml in deploy/crds.
// Run from anywhere:
//   pnpm exec tsx packages/api/scripts/generate-crds.ts [output directory]
// With an output directory, only deploy/crds's files are written, there.
// Generated files that are no longer produced (a renamed kind) are removed; other files are kept.
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { chartCrdFiles, generatedCrdFiles, isGeneratedFile } from "../src/crds.js";

const repo = (path: string) => fileURLToPath(new URL(`../../../${path}`, import.meta.url));
const targets: [string, Record<string, string>][] = process.argv[2]
  ? [[resolve(process.argv[2]), generatedCrdFiles()]]
  : [
      [repo("deploy/crds"), generatedCrdFiles()],
      [repo("deploy/helm/livesync/crds"), chartCrdFiles()],
    ];

for (const [dir, files] of targets) {
  mkdirSync(dir, { recursive: true });
  for (const name of readdirSync(dir)) {
    if (!name.endsWith(".yaml") || name in files) continue;
    const path = join(dir, name);
    if (isGeneratedFile(readFileSync(path, "utf8"))) {
      rmSync(path);
      console.log(`removed ${relative(process.cwd(), path)}`);
    }
  }
  for (const [name, text] of Object.entries(files)) {
    const path = join(dir, name);
    let old: string | undefined;
    try {
      old = readFileSync(path, "utf8");
    } catch {
      old = undefined;
    }
    if (old === text) continue;
    writeFileSync(path, text);
    console.log(`${old === undefined ? "wrote" : "updated"} ${relative(process.cwd(), path)}`);
  }
  console.log(
    `${Object.keys(files).length} files up to date in ${relative(process.cwd(), dir) || "."}`,
  );
}
