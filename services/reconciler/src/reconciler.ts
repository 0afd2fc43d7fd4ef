import { PermanentError, type EventBus } from "@livesync/bus";
import {
  compileFilters,
  encodeEvent,
  FIELD_MANAGER,
  gvrKey,
  hasDrifted,
  isCovered,
  isStale,
  makeEvent,
  MANAGED_LABEL,
  messageId,
  namespacedName,
  namespacedNameOf,
  planReconcile,
  readCopyRecord,
  sanitize,
  selectRule,
  subjectFor,
  type CoverageRule,
  type KubeObject,
  type OwnedCopy,
  type ResourceFilters,
  type SelectedSource,
  type SourceListing,
  type SyncEvent,
} from "@livesync/core";
import {
  listAll,
  listPages,
  NAMESPACES,
  type Cluster,
  type Gvr,
  type ResourceInfo,
} from "@livesync/kube";

export interface ReconcileTarget {
  liveSync: string;
  source: Cluster;
  destination: Cluster;
  /** spec.config.replication.resources, in order. */
  resources: (Gvr & { filters?: ResourceFilters })[];
  subjectPrefix: string;
  /** The synchronizer's field manager: its writes are not drift. */
  fieldManager?: string;
}

export interface ResourceReport {
  resource: string;
  selected: number;
  copies: number;
  pruned: number;
  repaired: number;
  missing: number;
  /** Copies behind their source (an update lost or still on its way): re-sent. */
  stale: number;
  /** Objects the bus refused for good (too big to carry): skipped, the pass went on. */
  failed: number;
  lastFailure?: string;
  /** Why nothing of this resource was pruned this pass. */
  refused?: string;
}

export interface ReconcileReport {
  at: string;
  durationMs: number;
  pruned: number;
  repaired: number;
  missing: number;
  stale: number;
  resources: ResourceReport[];
}

/**
 * Lists what the source covers and the copies this LiveSynchronization owns, and publishes
 * PRUNE events for copies whose source is gone, RESYNC for missing copies and repair RESYNCs
 * for hand-edited ones. What to prune or refuse is planReconcile's (a failed, partial or
 * suspiciously empty source list prunes nothing); objects we do not own are never considered.
 */
export class Reconciler {
  private pass = 0;

  constructor(
    private readonly bus: EventBus,
    private readonly target: ReconcileTarget,
  ) {}

  async reconcile(): Promise<ReconcileReport> {
    const started = Date.now();
    const pass = `${started.toString(36)}-${this.pass++}`;
    const { source, resources } = this.target;
    const report: ReconcileReport = {
      at: new Date(started).toISOString(),
      durationMs: 0,
      pruned: 0,
      repaired: 0,
      missing: 0,
      stale: 0,
      resources: [],
    };

    let namespaceLabels: Map<string, Record<string, string>> | undefined;
    let namespaceError: string | undefined;
    if (resources.some((r) => r.filters?.namespaceSelector)) {
      try {
        const list = await listAll(source.rest, NAMESPACES);
        namespaceLabels = new Map(
          list.items.map((n) => [n.metadata.name, n.metadata.labels ?? {}]),
        );
      } catch (err) {
        namespaceError = `listing source namespaces failed: ${(err as Error).message}`;
      }
    }

    // One pass per resource, with every rule (resources[] entry) that selects from it.
    const groups = new Map<string, { gvr: Gvr; rules: CoverageRule[] }>();
    resources.forEach((r, index) => {
      const k = gvrKey(r);
      if (!groups.has(k)) groups.set(k, { gvr: r, rules: [] });
      groups.get(k)!.rules.push({ index, filters: compileFilters(r.filters) });
    });
    for (const [name, { gvr, rules }] of groups) {
      const r = await this.reconcileResource(
        name,
        gvr,
        rules,
        pass,
        namespaceLabels,
        namespaceError,
      );
      report.resources.push(r);
      report.pruned += r.pruned;
      report.repaired += r.repaired;
      report.missing += r.missing;
      report.stale += r.stale;
    }
    report.durationMs = Date.now() - started;
    return report;
  }

  private async reconcileResource(
    name: string,
    gvr: Gvr,
    rules: CoverageRule[],
    pass: string,
    namespaceLabels: Map<string, Record<string, string>> | undefined,
    namespaceError: string | undefined,
  ): Promise<ResourceReport> {
    const report: ResourceReport = {
      resource: name,
      selected: 0,
      copies: 0,
      pruned: 0,
      repaired: 0,
      missing: 0,
      stale: 0,
      failed: 0,
    };
    const { source, destination } = this.target;
    // A source that cannot be listed in full plans nothing: the planner says why.
    const refuse = (listing: SourceListing) => {
      report.refused = planReconcile(listing, new Map()).refused;
      return report;
    };
    let info: ResourceInfo;
    try {
      info = await source.discovery.resolve(gvr);
    } catch (err) {
      return refuse({ state: "failed", error: (err as Error).message });
    }
    const usesNamespaces = rules.some((r) => r.filters.usesNamespaceSelector);
    if (info.namespaced && usesNamespaces && namespaceError) {
      return refuse({ state: "partial", reason: namespaceError });
    }

    // Our copies first, metadata only: the source pass then keeps full objects only where a
    // copy is missing or drifted, so memory stays at a page plus two small maps.
    const owned = new Map<string, OwnedCopy & { obj: KubeObject }>();
    try {
      const dstInfo = await destination.discovery.resolve(gvr);
      await listPages(
        destination.rest,
        dstInfo,
        { labelSelector: `${MANAGED_LABEL}=true`, metadataOnly: true },
        (page) => {
          for (const c of page) {
            const rec = readCopyRecord(c)!;
            if (rec.liveSync !== this.target.liveSync) continue;
            owned.set(namespacedNameOf(c), {
              obj: {
                apiVersion: c.apiVersion,
                kind: c.kind,
                metadata: { name: c.metadata.name, namespace: c.metadata.namespace },
              },
              sourceUid: rec.sourceUid,
              sourceResourceVersion: rec.sourceResourceVersion,
              drifted: hasDrifted(
                c.metadata.managedFields,
                this.target.fieldManager ?? FIELD_MANAGER,
              ),
              terminating: rec.terminating === true,
            });
          }
        },
      );
    } catch (err) {
      report.refused = `destination list failed: ${(err as Error).message}`;
      return report;
    }

    const labelsOf = (ns: string) => namespaceLabels?.get(ns);
    const selected = new Map<string, SelectedSource>();
    const byKey = new Map<string, KubeObject>();
    let sourceTotal = 0;
    let sourceListVersion: string;
    try {
      sourceListVersion = await listPages(source.rest, info, {}, (page) => {
        sourceTotal += page.length;
        for (const obj of page) {
          if (!isCovered(rules, obj, info, info.namespaced, labelsOf)) continue;
          const k = namespacedNameOf(obj);
          const source = {
            uid: obj.metadata.uid ?? "",
            resourceVersion: obj.metadata.resourceVersion ?? "",
          };
          selected.set(k, source);
          // Keep whole objects only for copies that will need an event.
          const copy = owned.get(k);
          if (
            !copy ||
            copy.drifted ||
            (copy.sourceUid && copy.sourceUid !== source.uid) ||
            isStale(copy, source)
          )
            byKey.set(k, obj);
        }
      });
    } catch (err) {
      return refuse({ state: "failed", error: (err as Error).message });
    }
    report.selected = selected.size;
    report.copies = owned.size;
    const plan = planReconcile(
      { state: "listed", resource: name, selected, total: sourceTotal },
      owned,
    );
    if (plan.refused) report.refused = plan.refused;

    // One object the bus can never carry is counted and skipped; any other failure ends the pass.
    const publish = async (e: SyncEvent, idSuffix: string): Promise<boolean> => {
      try {
        await this.bus.publish(
          subjectFor(this.target.subjectPrefix, this.target.liveSync),
          encodeEvent(e),
          `${messageId(e)}@${idSuffix}`,
        );
        return true;
      } catch (err) {
        if (!(err instanceof PermanentError)) throw err;
        report.failed++;
        report.lastFailure = `${namespacedName(e.namespace, e.name)}: ${err.message}`;
        return false;
      }
    };

    for (const k of plan.prune) {
      const copy = owned.get(k)!;
      const e = makeEvent("PRUNE", this.target.liveSync, info, copy.obj, {
        resourceVersion: sourceListVersion,
      });
      e.uid = copy.sourceUid ?? "";
      if (await publish(e, `prune-${pass}`)) report.pruned++;
    }
    for (const [list, repair, why] of [
      [plan.missing, false, "missing"],
      [plan.stale, false, "stale"],
      [plan.repair, true, "repair"],
    ] as const) {
      for (const k of list) {
        const obj = byKey.get(k)!;
        const clean = sanitize(obj, info);
        if ("skip" in clean) continue;
        const rule = selectRule(rules, obj, info.namespaced, labelsOf)!;
        const e = makeEvent("RESYNC", this.target.liveSync, info, obj, {
          object: clean.object,
          resourceIndex: rule.index,
          repair,
        });
        if (await publish(e, `${why}-${pass}`)) report[why === "repair" ? "repaired" : why]++;
      }
    }
    return report;
  }
}
