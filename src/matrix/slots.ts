/**
 * A bound on the threads a campaign keeps busy: `capacity` slots, taken first come first served.
 * An external program (the C binary, an --impl program) holds one slot while it runs; an engine
 * render holds as many as the threads it renders with. So the total never exceeds --jobs.
 */
export class Slots {
  private free: number;
  private readonly waiting: Array<{n: number; go: () => void}> = [];

  constructor(readonly capacity: number) {
    this.free = capacity;
  }

  /** Run `fn` holding `n` slots (at most the capacity). */
  async with<T>(n: number, fn: () => Promise<T> | T): Promise<T> {
    const want = Math.max(1, Math.min(n, this.capacity));
    await this.take(want);
    try {
      return await fn();
    } finally {
      this.free += want;
      this.wake();
    }
  }

  private take(n: number): Promise<void> {
    if (this.waiting.length === 0 && this.free >= n) {
      this.free -= n;
      return Promise.resolve();
    }
    return new Promise((go) => this.waiting.push({n, go}));
  }

  private wake(): void {
    while (this.waiting.length > 0 && this.free >= this.waiting[0].n) {
      const w = this.waiting.shift()!;
      this.free -= w.n;
      w.go();
    }
  }
}
