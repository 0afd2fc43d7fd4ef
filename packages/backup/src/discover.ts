// Which resources of the source a backup lists: discovery's answer for the spec (I/O).

import type { BackupProblem, BackupSpec } from "@livesync/api";
import { Discovery, listableResources, type KubeRest, type ResourceInfo } from "@livesync/kube";

export interface ResolvedResources {
  resolved: ResourceInfo[];
  /** Resources the spec names that the source cannot list. */
  errors: BackupProblem[];
  /** Group-versions whose discovery failed (left out of the default set). */
  warnings: BackupProblem[];
}

/**
 * The default set: every resource the source lists, preferred version per group (an
 * unavailable aggregated API is a warning). With spec.resources: exactly those, each checked.
 */
export async function resolveResources(
  rest: KubeRest,
  discovery: Discovery,
  spec: BackupSpec,
): Promise<ResolvedResources> {
  const errors: BackupProblem[] = [];
  const warnings: BackupProblem[] = [];
  if (!spec.resources?.length) {
    const resolved = await listableResources(rest, {
      onUnavailable: (gv, err) =>
        warnings.push({
          message: `discovery of ${gv} failed, its resources are not in the backup: ${(err as Error).message}`,
        }),
    });
    return { resolved, errors, warnings };
  }
  const resolved: ResourceInfo[] = [];
  for (const r of spec.resources) {
    const gvr = { group: r.group ?? "", version: r.version, resource: r.resource };
    try {
      const info = await discovery.resolve(gvr);
      if (info.verbs.includes("list")) resolved.push(info);
      else errors.push({ ...gvr, message: `the source cannot list ${r.resource}` });
    } catch (err) {
      errors.push({ ...gvr, message: (err as Error).message });
    }
  }
  return { resolved, errors, warnings };
}

/** The source's Kubernetes version (gitVersion of /version). */
export async function kubernetesVersion(rest: KubeRest): Promise<string> {
  return (await rest.request<{ gitVersion: string }>("GET", "/version")).gitVersion;
}
