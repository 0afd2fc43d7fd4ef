// What a restore covers: its own filters (namespaces, resources, label selector) on top of the
// backup's scope, and the namespace mapping between the two clusters. Pure.

import { gvrKey, type BackupSpec, type RestoreSpec } from "@livesync/api";
import { compileScope, selects, type BackupScope } from "@livesync/backup";
import type { KubeObject } from "@livesync/core";

/** An object's identity in one cluster: its resource, namespace (absent if cluster-scoped) and name. */
export interface ObjectRef {
  group: string;
  version: string;
  resource: string;
  kind: string;
  namespace?: string;
  name: string;
}

export const refKey = (r: Pick<ObjectRef, "group" | "resource" | "namespace" | "name">) =>
  `${r.group}/${r.resource}/${r.namespace ?? ""}/${r.name}`;

/** One side's filters (the restore's or a backup's), with the backup's own semantics. */
function compile(spec: BackupSpec, where: string): BackupScope {
  try {
    return compileScope(spec);
  } catch (err) {
    throw new Error(`${where}: ${(err as Error).message}`);
  }
}

/** Whether `scope` covers the object `ref` (source namespace), as a backup would keep it. */
function covers(scope: BackupScope, ref: ObjectRef, obj: KubeObject): boolean {
  const key = gvrKey(ref);
  if (scope.explicitResources && !scope.rulesFor(key)) return false;
  const info = { ...ref, namespaced: ref.namespace !== undefined, verbs: [] };
  const named = { ...obj, metadata: { ...obj.metadata, name: ref.name, namespace: ref.namespace } };
  // namespaceSelector filters would need the namespaces' labels: they match nothing here.
  return selects(scope, { info, key, inResourceSet: true }, named, () => undefined);
}

/** The restore's scope, with the namespace mapping both ways. */
export class RestoreScope {
  private readonly restore: BackupScope;
  private readonly backups: BackupScope[];
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
    const { includedNamespaces, excludedNamespaces, resources, labelSelector } = spec;
    this.restore = compile(
      { sourceName: "", includedNamespaces, excludedNamespaces, resources, labelSelector },
      "restore",
    );
    this.backups = backupSpecs.map((b, i) => compile(b, `backup ${i + 1}'s spec`));
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
    return covers(this.restore, ref, obj);
  }

  /**
   * A destination object lies within the restore's filters AND a backup's scope: only those
   * may be deleted by a revert. Names and namespaces are mapped back to the source's.
   */
  holds(ref: ObjectRef, obj: KubeObject): boolean {
    const source = this.sourceRef(ref);
    if (!source) return false;
    return this.selects(source, obj) && this.backups.some((b) => covers(b, source, obj));
  }

  /** The destination namespaces a restore of all namespaces in scope touches; undefined = all. */
  destinationNamespaces(): string[] | undefined {
    const inc = this.restore.includedNamespaces.length
      ? this.restore.includedNamespaces
      : this.backups.every((b) => b.includedNamespaces.length)
        ? [...new Set(this.backups.flatMap((b) => b.includedNamespaces))]
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
