// What the events-listener publishes for a change it sees: pure decisions, unit-tested beside
// it (listener.ts does the watching and the publishing).

import {
  makeEvent,
  messageId,
  sanitize,
  selectRule,
  type CoverageRule,
  type EventType,
  type KubeObject,
  type SyncEvent,
} from "@livesync/core";
import type { ResourceInfo } from "@livesync/kube";

export type Publication =
  | { event: SyncEvent; id: string }
  /** No rule selects the object, or it is one of the objects never replicated. */
  | { skip: "unselected" | "never-replicated" };

/**
 * The event for one change of `obj`, and its message id. The first rule (resources[] entry)
 * that selects the object gives the event its resourceIndex; a deletion carries no object.
 * Resyncs of an unchanged object must get through again (the copy may have been pruned or
 * edited by hand since), so their id carries the resync round, `resyncEpoch`.
 */
export function publicationFor(
  liveSync: string,
  info: ResourceInfo,
  rules: readonly CoverageRule[],
  type: EventType,
  obj: KubeObject,
  namespaceLabels: (namespace: string) => Record<string, string> | undefined,
  resyncEpoch: number,
): Publication {
  const rule = selectRule(rules, obj, info.namespaced, namespaceLabels);
  if (!rule) return { skip: "unselected" };
  let object: KubeObject | undefined;
  if (type !== "DELETED") {
    const clean = sanitize(obj, info);
    if ("skip" in clean) return { skip: "never-replicated" };
    object = clean.object;
  }
  const event = makeEvent(type, liveSync, info, obj, { object, resourceIndex: rule.index });
  const id = messageId(event) + (type === "RESYNC" ? `@${resyncEpoch}` : "");
  return { event, id };
}

/** The labels of the source's namespaces, as the namespace watch reports them. */
export class NamespaceLabels {
  private readonly labels = new Map<string, Record<string, string>>();

  get(namespace: string): Record<string, string> | undefined {
    return this.labels.get(namespace);
  }

  /**
   * Takes a full list (`full`: it replaces what is known) or watch events, and returns the
   * namespaces whose labels changed: they may now select objects already seen. A full list
   * reports none (at start, the objects' first lists follow it).
   */
  update(items: readonly KubeObject[], full: boolean, deleted = false): string[] {
    if (full) this.labels.clear();
    const changed: string[] = [];
    for (const ns of items) {
      const name = ns.metadata.name;
      const before = JSON.stringify(this.labels.get(name) ?? null);
      if (deleted) this.labels.delete(name);
      else this.labels.set(name, ns.metadata.labels ?? {});
      if (!full && before !== JSON.stringify(this.labels.get(name) ?? null)) changed.push(name);
    }
    return changed;
  }
}
