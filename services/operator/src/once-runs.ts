// Objects that run once (a Backup, a Restore): the runs going on in this process, at most
// `limit` at once, oldest first, and the objects this process finished (their watched copy may
// still show the phase they had while running, which must not start them again).

import { keyOf, type RawObject } from "./objects.js";

export class OnceRuns {
  /** Runs in progress in this process, by namespace/name. */
  private readonly runs = new Map<string, Promise<void>>();
  /** Objects (uid) this process finished. */
  private readonly finished = new Set<string>();

  constructor(
    private readonly limit: number,
    private readonly onError: (err: Error) => void,
  ) {}

  /** Whether `o` runs here now or was finished here: nothing more to do with it. */
  handled(o: RawObject): boolean {
    return this.runs.has(keyOf(o)) || this.finished.has(o.metadata.uid ?? "");
  }

  /** Forgets finished objects that are no longer there (the record would otherwise only grow). */
  forgetAbsent(present: RawObject[]): void {
    const uids = new Set(present.map((o) => o.metadata.uid));
    for (const uid of this.finished) if (!uids.has(uid)) this.finished.delete(uid);
  }

  /** Runs `run` for `o` now, whatever the limit (a run to finish, e.g. an interrupted one). */
  track(o: RawObject, run: Promise<void>): void {
    this.runs.set(
      keyOf(o),
      run
        .catch((err: Error) => this.onError(err))
        .finally(() => {
          this.runs.delete(keyOf(o));
          if (o.metadata.uid) this.finished.add(o.metadata.uid);
        }),
    );
  }

  /** Starts the oldest of `fresh` while fewer than the limit run; the rest wait for a pass. */
  startOldest(fresh: RawObject[], start: (o: RawObject) => Promise<void>): void {
    const byAge = [...fresh].sort((a, b) =>
      (a.metadata.creationTimestamp ?? "").localeCompare(b.metadata.creationTimestamp ?? ""),
    );
    for (const o of byAge) {
      if (this.runs.size >= this.limit) break;
      this.track(o, start(o));
    }
  }

  /** Waits for the runs in progress. */
  async stop(): Promise<void> {
    await Promise.allSettled(this.runs.values());
  }
}
