// Who does the controller duties (statuses, Tasks, TaskRuns): this process unless
// `controller: false`, and with leader election only while it holds the Lease.

import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import { LeaseElector, type KubeRest } from "@livesync/kube";

export interface LeaderElectionOptions {
  namespace: string;
  name?: string;
  durationSeconds?: number;
}

export class Leadership {
  private readonly elector?: LeaseElector;

  constructor(
    rest: KubeRest,
    private readonly controller: boolean,
    election: LeaderElectionOptions | undefined,
    onStartedLeading: () => void,
  ) {
    if (!election) return;
    this.elector = new LeaseElector(
      rest,
      {
        namespace: election.namespace,
        name: election.name ?? "livesync-operator",
        identity: `${hostname()}-${process.pid}-${randomBytes(3).toString("hex")}`,
        durationSeconds: election.durationSeconds,
      },
      { onStartedLeading, onStoppedLeading: () => undefined },
    );
  }

  start(): void {
    this.elector?.start();
  }

  stop(): Promise<void> | undefined {
    return this.elector?.stop();
  }

  /** Whether this process does the controller duties now. */
  get isController(): boolean {
    return this.controller && (!this.elector || this.elector.isLeader);
  }
}
