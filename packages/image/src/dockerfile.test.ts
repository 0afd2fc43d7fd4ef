import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { copiesOf, envOf, last, parseDockerfile, all } from "./dockerfile.js";
import { APP_DIR, LIVESYNC_IMAGE as spec } from "./spec.js";

const repo = fileURLToPath(new URL("../../../", import.meta.url));
const dockerfile = parseDockerfile(readFileSync(join(repo, "Dockerfile"), "utf8"));
const runtime = dockerfile.stages.at(-1)!;
const build = dockerfile.stages.find((s) => s.name === "build")!;
const json = (args: string | undefined) => JSON.parse(args ?? "null") as unknown;

describe("the Dockerfile describes the image pnpm image builds", () => {
  it("same base: Debian bookworm", () => {
    expect(spec.base.kind).toBe("debian");
    if (spec.base.kind === "debian") expect(runtime.from).toBe(spec.base.docker);
    expect(runtime.from).toContain(spec.base.kind === "debian" ? spec.base.suite : "?");
  });

  it("same non-root user, created with the same ids", () => {
    const { name, uid, gid } = spec.user;
    expect(last(runtime, "USER")).toBe(`${uid}:${gid}`);
    const runs = all(runtime, "RUN").join(" && ");
    expect(runs).toContain(`groupadd --gid ${gid} ${name}`);
    expect(runs).toMatch(new RegExp(`useradd --uid ${uid} --gid ${gid} [^&]* ${name}(\\s|$)`));
  });

  it("same entry point (node itself), command, working directory, environment and ports", () => {
    expect(json(last(runtime, "ENTRYPOINT"))).toEqual(spec.entrypoint);
    expect(json(last(runtime, "CMD"))).toEqual(spec.cmd);
    expect(last(runtime, "WORKDIR")).toBe(spec.workingDir);
    expect(envOf(runtime)).toEqual(spec.env);
    expect(all(runtime, "EXPOSE").flatMap((p) => p.split(" ").map(Number))).toEqual(
      spec.exposedPorts,
    );
  });

  it("copies the same things to the same places, and links the same commands", () => {
    const copies = copiesOf(runtime);
    expect(copies.map((c) => c.to).sort()).toEqual(spec.copies.map((c) => c.to).sort());
    // Each comes from the build stage, where it sits at the same path.
    for (const c of copies) expect(c).toEqual({ from: "build", sources: [c.to], to: c.to });
    const runs = all(runtime, "RUN");
    for (const l of spec.links) expect(runs).toContain(`ln -s ${l.target} ${l.path}`);
  });

  it("the build stage writes the app with the generator's own step, on the project's Node.js", () => {
    expect(all(build, "RUN").join(" ")).toContain(`pnpm image --app ${APP_DIR}`);
    const nodeVersion = readFileSync(join(repo, ".node-version"), "utf8").trim();
    expect(dockerfile.globalArgs.NODE_VERSION).toBe(nodeVersion);
    expect(build.from).toBe("node:${NODE_VERSION}-bookworm-slim");
  });
});
