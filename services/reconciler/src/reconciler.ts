import { PermanentError, type EventBus } from "@livesync/bus";
import {
  compileSelection,
  encodeEvent,
  FIELD_MANAGER,
  isCovered,
  MANAGED_LABEL,
  messageId,
  namespacedName,
  namespacedNameOf,
  planReconcile,
  resendReason,
  subjectFor,
  type CoverageRule,
  type KubeObject,
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
import { ownedCopyOf, pruneEvent, resendEvent, type ListedCopy } from "./pass-events.js";

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
 * for hand-edited ones. Safety first, like Argo CD: a failed, partial or suspiciously empty
 * source list prunes nothing; objects we do not own are never even considered.
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

    const selection = compileSelection(resources);
    let namespaceLabels: Map<string, Record<string, string>> | undefined;
    let namespaceError: string | undefined;
    if (selection.needsNamespaceLabels) {
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
    for (const { key: name, gvr, rules } of selection.resources) {
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
    const owned = new Map<string, ListedCopy>();
    try {
      const dstInfo = await destination.discovery.resolve(gvr);
      await listPages(
        destination.rest,
        dstInfo,
        { labelSelector: `${MANAGED_LABEL}=true`, metadataOnly: true },
        (page) => {
          for (const c of page) {
            const copy = ownedCopyOf(
              c,
              this.target.liveSync,
              this.target.fieldManager ?? FIELD_MANAGER,
            );
            if (copy) owned.set(namespacedNameOf(c), copy);
          }
        },
      );
    } catch (err) {
      report.refused = `destination list failed: ${(err as Error).message}`;
      return report;
    }

    const labelsOf = (ns: string) => namespaceLabels?.get(ns);
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
    // A copy that needs its source sent again (missing, stale, edited by hand) is decided by the
    // copy and the source object alone, so it is sent from the page that holds the object:
    // nothing of the source is kept but uid and resourceVersion (a first pass during the initial
    // copy finds nearly every copy missing). Prunes wait for the complete list.
    // (Resends are additive and the synchronizer's guards apply: sending a current source
    // object is safe even when a later page fails.)
    const resend = async (obj: KubeObject, why: "missing" | "stale" | "repair") => {
      const e = resendEvent(this.target.liveSync, info, rules, obj, labelsOf, why === "repair");
      if (!e) return;
      const sent = await publish(e, `${why}-${pass}`).catch((err: unknown) => {
        throw new PublishFailed(err);
      });
      if (sent) report[why === "repair" ? "repaired" : why]++;
    };
    const selected = new Map<string, SelectedSource>();
    let sourceTotal = 0;
    let sourceListVersion: string;
    try {
      sourceListVersion = await listPages(source.rest, info, {}, async (page) => {
        sourceTotal += page.length;
        const resends: Promise<void>[] = [];
        for (const obj of page) {
          if (!isCovered(rules, obj, info, info.namespaced, labelsOf)) continue;
          const k = namespacedNameOf(obj);
          const source = {
            uid: obj.metadata.uid ?? "",
            resourceVersion: obj.metadata.resourceVersion ?? "",
          };
          selected.set(k, source);
          const copy = owned.get(k);
          // As the planner: a copy already being deleted is left to finish.
          const why = copy?.terminating ? undefined : resendReason(copy, source);
          if (why) resends.push(resend(obj, why));
        }
        await Promise.all(resends);
      });
    } catch (err) {
      if (err instanceof PublishFailed) throw err.cause;
      return refuse({ state: "failed", error: (err as Error).message });
    }
    report.selected = selected.size;
    report.copies = owned.size;
    const plan = planReconcile(
      { state: "listed", resource: name, selected, total: sourceTotal },
      owned,
    );
    if (plan.refused) report.refused = plan.refused;

    for (const k of plan.prune) {
      const e = pruneEvent(this.target.liveSync, info, owned.get(k)!, sourceListVersion);
      if (await publish(e, `prune-${pass}`)) report.pruned++;
    }
    return report;
  }
}

/** A publish failure met during the source listing: it ends the pass, it is no list failure. */
class PublishFailed extends Error {
  constructor(override readonly cause: unknown) {
    super((cause as Error).message);
  }
}
