/**
 * Limiter: at most `limit` holders at once; the others wait in arrival order. Used by the
 * agent so that a node prepares and starts its tasks in parallel, but not hundreds at once.
 */
export class Limiter {
  private held = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new Error(`limiter: bad limit ${limit}`);
  }

  get active(): number {
    return this.held;
  }

  get queued(): number {
    return this.waiting.length;
  }

  /** Resolves with the release function once a place is free. */
  acquire(): Promise<() => void> {
    return new Promise((resolve) => {
      const grant = (): void => {
        this.held++;
        let released = false;
        resolve(() => {
          if (released) return;
          released = true;
          this.held--;
          this.waiting.shift()?.();
        });
      };
      if (this.held < this.limit) grant();
      else this.waiting.push(grant);
    });
  }

  /** Runs `fn` holding a place. */
  async run<T>(fn: () => Promise<T>): Promise<T> {
    const release = await this.acquire();
    try {
      return await fn();
    } finally {
      release();
    }
  }
}
