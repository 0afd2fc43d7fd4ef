// What a restore covers: its own filters (namespaces, resources, label selector) on top of the
// backup's scope, and the namespace mapping between the two clusters. Pure.

import type { BackupResource, BackupSpec, LabelSelector, RestoreSpec } from "@livesync/api";
import {
  compileFilters,
  matchesLabelSelector,
  type CompiledFilters,
  type KubeObject,
} from "@livesync/core";

/** An object's identity in one cluster: its resource, namespace (absent if cluster-scoped) and name. */
export interface ObjectRef {
  group: string;
  version: string;
  resource: string;
  kind: string;
  namespace?: string;
  name: string;
}

const CRD = "apiextensions.k8s.io/customresourcedefinitions";

export const refKey = (r: Pick<ObjectRef, "group" | "resource" | "namespace" | "name">) =>
  `${r.group}/${r.resource}/${r.namespace ?? ""}/${r.name}`;

/** Namespace filters and selectors of one side (the restore's or the backup's). */
interface Filters {
  included?: string[];
  excluded?: string[];
  selector?: LabelSelector;
  resources?: { group: string; resource: string; filters: CompiledFilters }[];
  /** Cluster-scoped objects other than Namespaces and CRDs are covered. */
  clusterObjects: boolean;
}

function compileResources(list: BackupResource[] | undefined, where: string) {
  return list?.map((r, i) => {
    try {
      return { group: r.group ?? "", resource: r.resource, filters: compileFilters(r.filters) };
    } catch (err) {
      throw new Error(`${where}.resources[${i}].filters: ${(err as Error).message}`);
    }
  });
}

function covers(
  f: Filters,
  ref: ObjectRef,
  labels: Record<string, string> | undefined,
  obj: KubeObject,
): boolean {
  const nsAllowed = (ns: string) =>
    (!f.included?.length || f.included.includes(ns)) && !f.excluded?.includes(ns);
  if (ref.namespace !== undefined) {
    if (!nsAllowed(ref.namespace)) return false;
  } else if (ref.group === "" && ref.resource === "namespaces") {
    if (!nsAllowed(ref.name)) return false;
  } else if (`${ref.group}/${ref.resource}` !== CRD && !f.clusterObjects) return false;
  if (!matchesLabelSelector(f.selector, labels)) return false;
  if (f.resources) {
    const r = f.resources.find((x) => x.group === ref.group && x.resource === ref.resource);
    if (!r || !r.filters.matchesObject(obj)) return false;
  }
  return true;
}

/** The restore's scope, with the namespace mapping both ways. */
export class RestoreScope {
  private readonly restore: Filters;
  private readonly backups: Filters[];
  private readonly mapping: Record<string, string>;
  private readonly inverse = new Map<string, string>();

  /** Throws a clear error naming the field for an invalid filter or mapping. */
  constructor(spec: RestoreSpec, backupSpecs: BackupSpec[]) {
    this.mapping = spec.namespaceMapping ?? {};
    for (const [from, to] of Object.entries(this.mapping)) {
      const other = this.inverse.get(to);
      if (other !== undefined)
        throw new Error(`namespaceMapping: ${other} and ${from} both map to ${to}`);
      this.inverse.set(to, from);
    }
    this.restore = {
      included: spec.includedNamespaces,
      excluded: spec.excludedNamespaces,
      selector: spec.labelSelector,
      resources: compileResources(spec.resources, "spec"),
      clusterObjects: !spec.includedNamespaces?.length,
    };
    this.backups = backupSpecs.map((b, i) => ({
      included: b.includedNamespaces,
      excluded: b.excludedNamespaces,
      selector: b.labelSelector,
      resources: compileResources(b.resources, `backup[${i}].spec`),
      clusterObjects: b.includeClusterResources ?? !b.includedNamespaces?.length,
    }));
  }

  /** Destination namespace of a source namespace. */
  toDestination(ns: string): string {
    return this.mapping[ns] ?? ns;
  }

  /** Source namespace restored into destination namespace `ns`, undefined when none is. */
  toSource(ns: string): string | undefined {
    const from = this.inverse.get(ns);
    if (from !== undefined) return from;
    return ns in this.mapping ? undefined : ns;
  }

  /** A backup's object (source namespace) is selected by the restore's filters. */
  selects(ref: ObjectRef, obj: KubeObject): boolean {
    return covers(this.restore, ref, obj.metadata.labels, obj);
  }

  /**
   * A destination object lies within the restore's filters AND a backup's scope: only those
   * may be deleted by a revert. Names and namespaces are mapped back to the source's.
   */
  holds(ref: ObjectRef, obj: KubeObject): boolean {
    const source = this.sourceRef(ref);
    if (!source) return false;
    return (
      this.selects(source, obj) &&
      this.backups.some((b) => covers(b, source, obj.metadata.labels, obj))
    );
  }

  /** The destination namespaces a restore of all namespaces in scope touches; undefined = all. */
  destinationNamespaces(): string[] | undefined {
    const inc = this.restore.included?.length
      ? this.restore.included
      : this.backups.every((b) => b.included?.length)
        ? [...new Set(this.backups.flatMap((b) => b.included ?? []))]
        : undefined;
    return inc?.map((ns) => this.toDestination(ns));
  }

  private sourceRef(ref: ObjectRef): ObjectRef | undefined {
    if (ref.namespace !== undefined) {
      const ns = this.toSource(ref.namespace);
      return ns === undefined ? undefined : { ...ref, namespace: ns };
    }
    if (ref.group === "" && ref.resource === "namespaces") {
      const name = this.toSource(ref.name);
      return name === undefined ? undefined : { ...ref, name };
    }
    return ref;
  }
}
