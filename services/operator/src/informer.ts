// A watched, cached view of one kind in the management cluster. Every change calls onChange,
// so the operator reacts within milliseconds instead of polling.

import {
  isNotFound,
  SupervisedWatch,
  type KubeObject,
  type KubeRest,
  type ResourceInfo,
} from "@livesync/kube";
import { namespacedNameOf as key } from "@livesync/api";
import type { RawObject } from "./objects.js";

export class Informer {
  private readonly items = new Map<string, RawObject>();
  private readonly watch: SupervisedWatch;
  private listed = false;
  /** The last list/watch failure (a missing CRD, RBAC), cleared by the next successful list. */
  lastError?: string;

  constructor(
    rest: KubeRest,
    readonly info: ResourceInfo,
    namespace: string | undefined,
    onChange: () => void,
  ) {
    this.watch = new SupervisedWatch(
      rest,
      info,
      {
        onList: async (items: KubeObject[]) => {
          this.items.clear();
          for (const o of items) this.items.set(key(o), o);
          this.listed = true;
          this.lastError = undefined;
          onChange();
        },
        onEvent: async (type, o) => {
          if (type === "DELETED") this.items.delete(key(o));
          else this.items.set(key(o), o);
          onChange();
        },
        onError: (err) => {
          this.lastError = (err as Error).message;
          // A CRD not installed (yet): nothing of that kind, which is a complete answer.
          if (isNotFound(err) && !this.listed) {
            this.listed = true;
            onChange();
          }
        },
      },
      // A CRD installed after the operator started is picked up within seconds.
      { namespace, backoffMaxMs: 5_000 },
    );
  }

  start(): void {
    this.watch.start();
  }

  stop(): Promise<void> {
    return this.watch.stop();
  }

  /** Whether the first list arrived (until then, the cache is not the cluster's state). */
  get hasSynced(): boolean {
    return this.listed;
  }

  list(): RawObject[] {
    return [...this.items.values()];
  }
}
