import { isConflict, isNotFound } from "./errors.js";
import type { KubeRest } from "./rest.js";

export interface LeaseOptions {
  namespace: string;
  name: string;
  identity: string;
  /** A holder that has not renewed for this long has lost the lease. */
  durationSeconds?: number;
  /** How often the holder renews and a candidate retries. */
  retryMs?: number;
}

export interface LeaseCallbacks {
  onStartedLeading(): Promise<void> | void;
  onStoppedLeading(): Promise<void> | void;
}

interface Lease {
  metadata: { name: string; namespace: string; resourceVersion?: string };
  spec: {
    holderIdentity?: string;
    leaseDurationSeconds?: number;
    acquireTime?: string;
    renewTime?: string;
    leaseTransitions?: number;
  };
}

/** Kubernetes MicroTime: RFC 3339 with microseconds. */
const microTime = (d = new Date()) => d.toISOString().replace(/\.(\d{3})Z$/, ".$1000Z");

/**
 * Leader election on a coordination.k8s.io Lease, as client-go does it: the holder renews;
 * anyone may take over a lease not renewed within its duration; every write is guarded by the
 * lease's resourceVersion, so two candidates never both win.
 */
export class LeaseElector {
  private leading = false;
  private stopped = false;
  private lastRenew = 0;
  private timer?: NodeJS.Timeout;
  private readonly durationSeconds: number;
  private readonly retryMs: number;

  constructor(
    private readonly rest: KubeRest,
    private readonly opts: LeaseOptions,
    private readonly callbacks: LeaseCallbacks,
  ) {
    this.durationSeconds = opts.durationSeconds ?? 15;
    this.retryMs = opts.retryMs ?? Math.max(200, (this.durationSeconds * 1000) / 3);
  }

  get isLeader(): boolean {
    return this.leading;
  }

  /** Why the last attempt to acquire or renew failed (apiserver unreachable…); cleared on success. */
  lastError?: string;

  start(): void {
    void this.tick();
  }

  /** Stops campaigning; a leader releases the lease so a standby takes over at once. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    if (this.leading) {
      await this.setLeading(false);
      await this.release().catch(() => undefined);
    }
  }

  private async tick(): Promise<void> {
    if (this.stopped) return;
    try {
      const ok = await this.tryAcquireOrRenew();
      this.lastError = undefined;
      if (ok) this.lastRenew = Date.now();
      if (ok && !this.leading) await this.setLeading(true);
      if (!ok && this.leading) await this.setLeading(false);
    } catch (err) {
      this.lastError = (err as Error).message;
      // Could not reach the apiserver: keep leading only while our last renewal is valid.
      if (this.leading && Date.now() - this.lastRenew > this.durationSeconds * 1000) {
        await this.setLeading(false);
      }
    }
    if (!this.stopped) this.timer = setTimeout(() => void this.tick(), this.retryMs);
  }

  private async setLeading(leading: boolean): Promise<void> {
    this.leading = leading;
    if (leading) await this.callbacks.onStartedLeading();
    else await this.callbacks.onStoppedLeading();
  }

  private path(name?: string): string {
    const base = `/apis/coordination.k8s.io/v1/namespaces/${encodeURIComponent(this.opts.namespace)}/leases`;
    return name ? `${base}/${encodeURIComponent(name)}` : base;
  }

  private async tryAcquireOrRenew(): Promise<boolean> {
    const now = new Date();
    let lease: Lease | undefined;
    try {
      lease = await this.rest.request<Lease>("GET", this.path(this.opts.name));
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    if (!lease) {
      try {
        await this.rest.request("POST", this.path(), {
          body: {
            apiVersion: "coordination.k8s.io/v1",
            kind: "Lease",
            metadata: { name: this.opts.name, namespace: this.opts.namespace },
            spec: {
              holderIdentity: this.opts.identity,
              leaseDurationSeconds: this.durationSeconds,
              acquireTime: microTime(now),
              renewTime: microTime(now),
              leaseTransitions: 0,
            },
          },
        });
        return true;
      } catch (err) {
        if (isConflict(err)) return false; // another candidate created it first
        throw err;
      }
    }
    const spec = lease.spec;
    const mine = spec.holderIdentity === this.opts.identity;
    const renewed = spec.renewTime ? Date.parse(spec.renewTime) : 0;
    const expired =
      !spec.holderIdentity ||
      now.getTime() - renewed > (spec.leaseDurationSeconds ?? this.durationSeconds) * 1000;
    if (!mine && !expired) return false;
    const next: Lease = {
      ...lease,
      spec: {
        ...spec,
        holderIdentity: this.opts.identity,
        leaseDurationSeconds: this.durationSeconds,
        renewTime: microTime(now),
        acquireTime: mine ? spec.acquireTime : microTime(now),
        leaseTransitions: mine ? spec.leaseTransitions : (spec.leaseTransitions ?? 0) + 1,
      },
    };
    try {
      await this.rest.request("PUT", this.path(this.opts.name), { body: next });
      return true;
    } catch (err) {
      if (isConflict(err)) return false; // someone else renewed or took it in between
      throw err;
    }
  }

  private async release(): Promise<void> {
    const lease = await this.rest.request<Lease>("GET", this.path(this.opts.name));
    if (lease.spec.holderIdentity !== this.opts.identity) return;
    await this.rest.request("PUT", this.path(this.opts.name), {
      body: { ...lease, spec: { ...lease.spec, holderIdentity: "", renewTime: microTime() } },
    });
  }
}
