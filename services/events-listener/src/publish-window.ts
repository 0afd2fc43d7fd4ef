/**
 * Runs `fn` over items handed in as they come (the pages of a list), at most `size` at once: a
 * new one starts as soon as any finishes, rather than batch after batch each waiting for its
 * slowest. The first failure stops it; drain() waits for what is running and throws it.
 */
export class PublishWindow<T> {
  private queue: T[] = [];
  private head = 0;
  private active = 0;
  /** Items started whose `fn` has not finished. */
  private running = 0;
  private failure?: { error: unknown };
  private readonly workers: Promise<void>[] = [];
  private waiting: { resolve: () => void; reject: (error: unknown) => void }[] = [];

  constructor(
    private readonly fn: (item: T) => Promise<void>,
    private readonly size = 512,
  ) {}

  add(items: readonly T[]): void {
    if (this.failure) return; // stopped: drain() reports why
    for (const item of items) this.queue.push(item);
    const idle = Math.min(this.size - this.active, this.queue.length - this.head);
    for (let i = 0; i < idle; i++) {
      this.active++;
      this.workers.push(this.work());
    }
  }

  /** Items added and not finished yet: those running and those queued behind them. */
  get backlog(): number {
    return this.queue.length - this.head + this.running;
  }

  /**
   * Resolves once the backlog is down to the window's size (everything added has started or is
   * about to), rejects with the first failure. A producer that awaits it before fetching more
   * holds at most one batch plus the window, however much faster it is than `fn`.
   */
  room(): Promise<void> {
    if (this.failure) return Promise.reject(this.failure.error);
    if (this.backlog <= this.size) return Promise.resolve();
    return new Promise((resolve, reject) => this.waiting.push({ resolve, reject }));
  }

  /** Resolves once everything added is done; rejects with the first failure. */
  async drain(): Promise<void> {
    await Promise.all(this.workers);
    if (this.failure) throw this.failure.error;
  }

  private async work(): Promise<void> {
    try {
      while (!this.failure && this.head < this.queue.length) {
        const item = this.queue[this.head++]!;
        // Drop what is done now and then, so a long list is not held twice.
        if (this.head > 1_024 && this.head * 2 > this.queue.length) {
          this.queue = this.queue.slice(this.head);
          this.head = 0;
        }
        this.running++;
        await this.fn(item).catch((error: unknown) => {
          this.failure ??= { error };
        });
        this.running--;
        this.wake();
      }
    } finally {
      this.active--;
    }
  }

  /** Settles the producers waiting for room, once there is room or the window has failed. */
  private wake(): void {
    if (this.waiting.length === 0) return;
    if (!this.failure && this.backlog > this.size) return;
    const waiting = this.waiting;
    this.waiting = [];
    for (const w of waiting) {
      if (this.failure) w.reject(this.failure.error);
      else w.resolve();
    }
  }
}
