import { describe, expect, it } from "vitest";
import { isPrunable, isRuntimeFile, productionManifest, runtimeClosure } from "./app.js";

describe("runtimeClosure", () => {
  const m = (name: string, deps: Record<string, string> = {}, dev: Record<string, string> = {}) =>
    [name, { name, dependencies: deps, devDependencies: dev }] as const;
  const manifests = new Map([
    m("cli", { lib: "workspace:*", yaml: "^2" }, { testkit: "workspace:*" }),
    m("lib", { core: "workspace:*" }),
    m("core"),
    m("testkit"),
  ]);

  it("follows workspace dependencies, never dev ones", () => {
    expect(runtimeClosure(manifests, "cli")).toEqual(["cli", "core", "lib"]);
  });

  it("names a missing package and who needs it", () => {
    expect(() => runtimeClosure(manifests, "nope")).toThrow(/nope not found/);
  });
});

describe("productionManifest", () => {
  it("puts publishConfig's entry points in place and drops what is for development", () => {
    expect(
      productionManifest({
        name: "@livesync/x",
        exports: { ".": "./src/index.ts" },
        publishConfig: { exports: { ".": "./dist/src/index.js" } },
        scripts: { t: "x" },
        dependencies: { a: "1" },
        devDependencies: { b: "1" },
      }),
    ).toEqual({
      name: "@livesync/x",
      exports: { ".": "./dist/src/index.js" },
      dependencies: { a: "1" },
    });
  });
});

describe("what the image leaves out", () => {
  it("keeps JavaScript, JSON and licences; drops maps, declarations, TypeScript and docs", () => {
    for (const keep of ["index.js", "index.cjs", "package.json", "LICENSE", "LICENSE.md"])
      expect(isPrunable(keep), keep).toBe(false);
    for (const drop of ["index.d.ts", "index.d.mts", "index.js.map", "x.ts", "README.md"])
      expect(isPrunable(drop), drop).toBe(true);
    expect(isRuntimeFile("/dist/src/a.js")).toBe(true);
    for (const drop of [
      "a.test.js",
      "a.d.ts",
      "a.js.map",
      "a.d.ts.map",
      "/src/testing.js",
      "/src/testing/soak.js",
    ])
      expect(isRuntimeFile(drop), drop).toBe(false);
  });
});
