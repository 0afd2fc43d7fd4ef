// What happens to each listed object: kept or not (scope), sanitised (the archiver's one rule
// set; objects it skips are counted per resource, not errors), then handed to the writer with the source's
// uid and resourceVersion in its index entry. Holds only counts and namespace labels, never
// the objects, so memory does not grow with the object count.

import type { KubeObject } from "@livesync/api";
import { sanitize } from "@livesync/core";
import type { BackupWriter } from "./format.js";
import { isNamespaces, selects, type BackupScope, type PlannedResource } from "./scope.js";

export class ItemCollector {
  itemsTotal = 0;
  itemsBackedUp = 0;
  /** Objects stored per resource (gvrKey). */
  readonly stored = new Map<string, number>();
  /** Objects in scope the sanitiser left out, per resource (gvrKey). */
  readonly skipped = new Map<string, number>();
  private namespaceLabels = new Map<string, Record<string, string>>();

  constructor(
    private readonly scope: BackupScope,
    private readonly writer: BackupWriter,
    private readonly onItem: () => void = () => undefined,
  ) {}

  /** Forgets everything counted (the snapshot starts again). */
  reset(): void {
    this.itemsTotal = 0;
    this.itemsBackedUp = 0;
    this.stored.clear();
    this.namespaceLabels.clear();
    this.skipped.clear();
  }

  async page(planned: PlannedResource, items: KubeObject[]): Promise<void> {
    const { info } = planned;
    for (const obj of items) {
      if (isNamespaces(info))
        this.namespaceLabels.set(obj.metadata.name, obj.metadata.labels ?? {});
      if (!selects(this.scope, planned, obj, (ns) => this.namespaceLabels.get(ns))) continue;
      const result = sanitize(obj, info);
      if ("skip" in result) {
        this.skipped.set(planned.key, (this.skipped.get(planned.key) ?? 0) + 1);
        continue;
      }
      this.itemsTotal++;
      await this.writer.add(
        {
          group: info.group,
          version: info.version,
          resource: info.resource,
          kind: info.kind,
          ...(obj.metadata.namespace ? { namespace: obj.metadata.namespace } : {}),
          name: obj.metadata.name,
          uid: obj.metadata.uid ?? "",
          resourceVersion: obj.metadata.resourceVersion ?? "",
        },
        result.object,
      );
      this.itemsBackedUp++;
      this.stored.set(planned.key, (this.stored.get(planned.key) ?? 0) + 1);
      this.onItem();
    }
  }

  /** Included namespaces that the snapshot did not find. */
  missingNamespaces(): string[] {
    return this.scope.includedNamespaces.filter((ns) => !this.namespaceLabels.has(ns));
  }
}
