// The application as it runs in production: the compiled JavaScript of the CLI and the
// workspace packages it depends on, each package.json pointing at its compiled entry points
// (its publishConfig applied), and the production dependencies only, installed from the
// lockfile. The result is a plain directory: `node <dir>/services/cli/dist/src/main.js`, or its
// bin/livesync, runs without pnpm or TypeScript.

import { spawnSync } from "node:child_process";
import {
  chmodSync,
  copyFileSync,
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  symlinkSync,
  unlinkSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { CLI_MAIN } from "./spec.js";

export const CLI_PACKAGE = "@livesync/cli";

interface Manifest {
  name: string;
  version?: string;
  dependencies?: Record<string, string>;
  publishConfig?: Record<string, unknown>;
  [key: string]: unknown;
}

const readJson = (file: string) => JSON.parse(readFileSync(file, "utf8")) as Manifest;

/** Every workspace package by name: its directory relative to the repository. */
export function workspacePackages(repo: string): Map<string, string> {
  const yaml = readFileSync(join(repo, "pnpm-workspace.yaml"), "utf8");
  const globs = [...yaml.matchAll(/^\s*-\s*["']?([^"'\s]+)["']?\s*$/gm)].map((m) => m[1]!);
  const dirs = globs.flatMap((g) =>
    g.endsWith("/*")
      ? readdirSync(join(repo, g.slice(0, -2))).map((d) => `${g.slice(0, -2)}/${d}`)
      : [g],
  );
  const out = new Map<string, string>();
  for (const dir of dirs) {
    const file = join(repo, dir, "package.json");
    if (existsSync(file)) out.set(readJson(file).name, dir);
  }
  return out;
}

/** `root` and the workspace packages it needs at run time (dependencies, transitively). */
export function runtimeClosure(manifests: Map<string, Manifest>, root: string): string[] {
  const seen = new Set<string>();
  const visit = (name: string) => {
    const m = manifests.get(name);
    if (!m) throw new Error(`workspace package ${name} not found (a dependency of ${root})`);
    if (seen.has(name)) return;
    seen.add(name);
    for (const [dep, spec] of Object.entries(m.dependencies ?? {}))
      if (spec.startsWith("workspace:")) visit(dep);
  };
  visit(root);
  return [...seen].sort();
}

/** The manifest as installed: publishConfig's fields in place, nothing for development. */
export function productionManifest(m: Manifest): Manifest {
  const rest: Manifest = { ...m, ...(m.publishConfig ?? {}) };
  delete rest.devDependencies;
  delete rest.scripts;
  delete rest.publishConfig;
  return rest;
}

/**
 * Files of a compiled dist/src that run: no tests or their fixtures (testing.js, testing/,
 * test-fixtures.js: production code never imports them), declarations, source maps.
 */
export const isRuntimeFile = (name: string) =>
  !/\.test\.js$|(^|\/)(testing|test-fixtures)(\.js$|\/)|\.d\.ts$|\.d\.ts\.map$|\.js\.map$/.test(
    name,
  );

function pnpm(args: string[], cwd: string): void {
  const exec = process.env.npm_execpath;
  const [cmd, pre] = exec && /pnpm/.test(exec) ? [process.execPath, [exec]] : ["pnpm", []];
  const r = spawnSync(cmd, [...pre, ...args], { cwd, encoding: "utf8" });
  if (r.status !== 0)
    throw new Error(`pnpm ${args.join(" ")} in ${cwd} failed:\n${r.stdout}${r.stderr}`);
}

/** Writes the production application of the repository at `repo` into `out` (replaced). */
export function stageApp(repo: string, out: string): { packages: string[] } {
  const dirs = workspacePackages(repo);
  const manifests = new Map(
    [...dirs].map(([n, d]) => [n, readJson(join(repo, d, "package.json"))]),
  );
  const packages = runtimeClosure(manifests, CLI_PACKAGE);
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  for (const f of ["package.json", "pnpm-lock.yaml", "pnpm-workspace.yaml", ".npmrc"])
    if (existsSync(join(repo, f))) copyFileSync(join(repo, f), join(out, f));
  for (const name of packages) {
    const dir = dirs.get(name)!;
    const dist = join(repo, dir, "dist", "src");
    if (!existsSync(dist)) throw new Error(`${dist} is missing: compile first (pnpm exec tsc -b)`);
    mkdirSync(join(out, dir), { recursive: true });
    copyFileSync(join(repo, dir, "package.json"), join(out, dir, "package.json"));
    cpSync(dist, join(out, dir, "dist", "src"), {
      recursive: true,
      filter: (src) => statSync(src).isDirectory() || isRuntimeFile(src),
    });
  }
  // The lockfile's versions exactly; the manifests are still the repository's so that it matches.
  pnpm(
    [
      "install",
      "--prod",
      "--frozen-lockfile",
      "--prefer-offline",
      "--ignore-scripts",
      "--reporter=silent",
      "--filter",
      `${CLI_PACKAGE}...`,
    ],
    out,
  );
  for (const name of packages) {
    const file = join(out, dirs.get(name)!, "package.json");
    writeFileSync(file, `${JSON.stringify(productionManifest(readJson(file)), null, 2)}\n`);
  }
  const root = readJson(join(out, "package.json"));
  writeFileSync(
    join(out, "package.json"),
    `${JSON.stringify(productionManifest(root), null, 2)}\n`,
  );
  for (const f of ["pnpm-lock.yaml", "pnpm-workspace.yaml", ".npmrc"])
    rmSync(join(out, f), { force: true });
  chmodSync(join(out, CLI_MAIN), 0o755);
  mkdirSync(join(out, "bin"));
  symlinkSync(`../${CLI_MAIN}`, join(out, "bin", "livesync"));
  pruneNodeModules(join(out, "node_modules"));
  return { packages };
}

/** What no production run reads: type declarations, TypeScript, source maps, docs. */
export const isPrunable = (name: string) =>
  /\.(d\.[cm]?ts|[cm]?ts|map)$/.test(name) || (/\.md$/i.test(name) && !/^licen[cs]e/i.test(name));

/** Removes prunable files and @types packages, then the links left pointing nowhere. */
export function pruneNodeModules(dir: string): void {
  const store = join(dir, ".pnpm");
  for (const name of readdirSync(store))
    if (name.startsWith("@types+")) rmSync(join(store, name), { recursive: true, force: true });
  const links: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      const st = lstatSync(p);
      if (st.isSymbolicLink()) links.push(p);
      else if (st.isDirectory()) walk(p);
      else if (isPrunable(name)) unlinkSync(p);
    }
  };
  walk(dir);
  for (const link of links) if (!existsSync(link)) unlinkSync(link);
}
