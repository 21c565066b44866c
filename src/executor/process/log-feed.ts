/**
 * How followers of a task's log learn that it grew or ended: a version number bumped on
 * every append, and waiters woken by a bump or the end. Taking the version before reading
 * the file and waiting for anything newer loses no append in between.
 */
export class LogFeed {
  version = 0;
  ended = false;
  private waiters: Array<() => void> = [];

  bump(): void {
    this.version++;
    this.wake();
  }

  end(): void {
    this.ended = true;
    this.wake();
  }

  /** Resolves once the version is past `seen`, the log ended, or `signal` aborted. */
  next(seen: number, signal?: AbortSignal): Promise<void> {
    if (this.version > seen || this.ended || signal?.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        signal?.removeEventListener('abort', done);
        resolve();
      };
      this.waiters.push(done);
      signal?.addEventListener('abort', done, { once: true });
    });
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }
}
