import { readFileSync, readdirSync } from "node:fs";
import { builtinModules } from "node:module";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { CLI_PACKAGE, isRuntimeFile, runtimeClosure, workspacePackages } from "./app.js";

const repo = fileURLToPath(new URL("../../../", import.meta.url));
const builtin = new Set(builtinModules);

/** Packages a module loads at run time: value imports and re-exports (not `import type`). */
export function importedPackages(source: string): string[] {
  const specs = [
    ...source.matchAll(/^(?:import|export)\s(?!type\s)[^;]*?\bfrom\s+"([^"]+)"/gms),
    ...source.matchAll(/^import\s+"([^"]+)"/gm),
  ].map((m) => m[1]!);
  return specs
    .filter((s) => !s.startsWith(".") && !s.startsWith("node:") && !builtin.has(s))
    .map((s) =>
      s
        .split("/")
        .slice(0, s.startsWith("@") ? 2 : 1)
        .join("/"),
    );
}

const sources = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory()
      ? sources(join(dir, e.name))
      : e.name.endsWith(".ts")
        ? [join(dir, e.name)]
        : [],
  );

describe("the image's production install", () => {
  it("finds every package a runtime module imports among its package's dependencies", () => {
    const dirs = workspacePackages(repo);
    const manifest = (name: string) =>
      JSON.parse(readFileSync(join(repo, dirs.get(name)!, "package.json"), "utf8")) as {
        name: string;
        dependencies?: Record<string, string>;
      };
    const manifests = new Map([...dirs.keys()].map((n) => [n, manifest(n)]));
    const undeclared: string[] = [];
    for (const name of runtimeClosure(manifests, CLI_PACKAGE)) {
      const deps = new Set(Object.keys(manifests.get(name)!.dependencies ?? {}));
      for (const file of sources(join(repo, dirs.get(name)!, "src"))) {
        if (!isRuntimeFile(file.replace(/\.ts$/, ".js"))) continue;
        for (const pkg of importedPackages(readFileSync(file, "utf8")))
          if (!deps.has(pkg)) undeclared.push(`${file.slice(repo.length)}: ${pkg}`);
      }
    }
    expect(undeclared).toEqual([]);
  });

  it("resolves every runtime entry point of a package to its compiled file", () => {
    const wrong: string[] = [];
    const dirs = workspacePackages(repo);
    const read = (dir: string) =>
      JSON.parse(readFileSync(join(repo, dir, "package.json"), "utf8")) as {
        name: string;
        dependencies?: Record<string, string>;
        exports?: Record<string, string>;
        publishConfig?: { exports?: Record<string, string> };
      };
    const manifests = new Map([...dirs].map(([n, d]) => [n, read(d)]));
    for (const name of runtimeClosure(manifests, CLI_PACKAGE)) {
      const m = manifests.get(name)!;
      for (const [sub, target] of Object.entries(m.exports ?? {})) {
        if (!isRuntimeFile(target.replace(/\.ts$/, ".js"))) continue;
        const compiled = target.replace(/^\.\/src\/(.*)\.ts$/, "./dist/src/$1.js");
        if (m.publishConfig?.exports?.[sub] !== compiled) wrong.push(`${name} ${sub}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it("reads imports the way the compiled modules load them", () => {
    const src = `import type { A } from "types-only";
import { type B, c } from "@scope/pkg/sub";
export { d } from "re-exported";
import "side-effect";
import { x } from "./local.js";
import { readFileSync } from "node:fs";`;
    expect(importedPackages(src)).toEqual(["@scope/pkg", "re-exported", "side-effect"]);
  });
});
