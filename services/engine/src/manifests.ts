import { readdirSync, readFileSync, statSync } from "node:fs";
import { extname, join } from "node:path";
import { parseManifests, validateManifestSet } from "@livesync/api";
import type { Bucket, KubernetesCluster, LiveSynchronization, Secret } from "@livesync/api";
import type { EngineManifests } from "./engine.js";

export interface Problem {
  where: string;
  message: string;
}

/** Every .yaml/.yml/.json file under the given paths (files or directories), sorted. */
export function manifestFiles(paths: string[]): string[] {
  const out: string[] = [];
  const walk = (p: string) => {
    if (statSync(p).isDirectory()) {
      for (const entry of readdirSync(p).sort()) walk(join(p, entry));
    } else if ([".yaml", ".yml", ".json"].includes(extname(p)) || paths.includes(p)) {
      out.push(p);
    }
  };
  paths.forEach(walk);
  return out;
}

/** Reads and validates manifests; returns what can run and every problem found. */
export function loadManifests(paths: string[]): {
  manifests: EngineManifests;
  problems: Problem[];
} {
  const docs = manifestFiles(paths).flatMap((file) =>
    parseManifests(readFileSync(file, "utf8"), file),
  );
  const problems: Problem[] = docs
    .filter((d) => d.error)
    .map((d) => ({ where: `${d.source}#${d.index}`, message: d.error! }));
  const result = validateManifestSet(docs.filter((d) => !d.error));
  for (const p of result.problems) {
    const what = p.kind ? ` ${p.kind}/${p.name ?? "?"}` : "";
    problems.push({
      where: `${p.source}#${p.index}${what}`,
      message: p.path ? `${p.path}: ${p.message}` : p.message,
    });
  }
  // Run only what is valid: a broken LiveSynchronization must not stop the others.
  const invalid = new Set(result.problems.map((p) => `${p.source}#${p.index}`));
  const valid = docs
    .filter((d) => !d.error && !invalid.has(`${d.source}#${d.index}`))
    .map((d) => d.doc as { kind?: string });
  return {
    manifests: {
      secrets: valid.filter((d) => d.kind === "Secret") as Secret[],
      clusters: valid.filter((d) => d.kind === "KubernetesCluster") as KubernetesCluster[],
      buckets: valid.filter((d) => d.kind === "Bucket") as Bucket[],
      liveSyncs: valid.filter((d) => d.kind === "LiveSynchronization") as LiveSynchronization[],
    },
    problems,
  };
}
