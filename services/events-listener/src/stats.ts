// What the events-listener reports about itself: its status and the benchmarks read these.

export interface ListenerStats {
  published: number;
  duplicates: number;
  skipped: number;
  /** Per resources[] index: why it is not being watched (unknown resource, forbidden…). */
  resourceErrors: Record<number, string>;
  watchErrors: number;
  lastWatchError?: string;
  /**
   * Objects the bus refused for good (too big to carry), as "<gvr> <namespace>/<name>": the rest
   * of their resource keeps flowing. One leaves the set when it publishes again or goes.
   */
  failedObjects: Set<string>;
  lastPublishError?: string;
  /** The first list of the resources watched from the start (ms since the epoch). */
  initialList?: InitialList;
}

export interface InitialList {
  /** Watches started: the lists began. */
  startedAt: number;
  /** The last of those lists was complete. */
  listedAt?: number;
  /** The bus had acknowledged every object of those lists. */
  publishedAt?: number;
  objects: number;
}
