// Writes deploy/crds from packages/api (src/crds.ts): one file per CustomResourceDefinition and
// kustomization.yaml. Run from anywhere:
//   pnpm exec tsx packages/api/scripts/generate-crds.ts [output directory]
// Generated files that are no longer produced (a renamed kind) are removed; other files are kept.
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { generatedCrdFiles, isGeneratedFile } from "../src/crds.js";

const defaultDir = fileURLToPath(new URL("../../../deploy/crds", import.meta.url));
const dir = resolve(process.argv[2] ?? defaultDir);
const files = generatedCrdFiles();

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
console.log(`deploy/crds: ${Object.keys(files).length} files up to date in ${dir}`);
