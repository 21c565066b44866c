/**
 * Every long-lived thing has an owner. An Owner collects disposers (timers, watches,
 * sockets, child processes) and runs them, newest first, exactly once.
 */
export type Disposer = () => void | Promise<void>;

export interface Disposable {
  dispose(): void | Promise<void>;
}

export class Owner implements Disposable {
  private disposers: Disposer[] = [];
  private disposed = false;

  get isDisposed(): boolean {
    return this.disposed;
  }

  /** Registers a disposer; if the owner is already disposed, runs it at once. */
  add(d: Disposer | Disposable): void {
    const fn = typeof d === 'function' ? d : () => d.dispose();
    if (this.disposed) {
      void fn();
      return;
    }
    this.disposers.push(fn);
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    const errors: unknown[] = [];
    for (const d of this.disposers.reverse()) {
      try {
        await d();
      } catch (e) {
        errors.push(e);
      }
    }
    this.disposers = [];
    if (errors.length === 1) throw errors[0];
    if (errors.length > 1) throw new AggregateError(errors, 'several disposers failed');
  }
}
