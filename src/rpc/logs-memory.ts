/**
 * MemoryLogsBackend: the in-memory twin of the cluster's log plumbing, for tests and the
 * simulator. Lines are appended by hand (or by a fake executor's hook); subscriptions
 * read what is there, then follow new lines until aborted.
 */
import { type LogRecord, type LogSubscription, type LogsBackend, matches } from './logs.ts';

export class MemoryLogsBackend implements LogsBackend {
  private readonly records: LogRecord[] = [];
  private readonly wakers = new Set<() => void>();
  /** Subscriptions open now, and ever. */
  readonly stats = { open: 0, total: 0 };

  constructor(private readonly maxBatch = 256) {}

  append(...records: LogRecord[]): void {
    this.records.push(...records);
    for (const w of [...this.wakers]) w();
  }

  async *subscribe(sub: LogSubscription, signal: AbortSignal): AsyncIterable<readonly LogRecord[]> {
    this.stats.open++;
    this.stats.total++;
    try {
      let from = this.records.length;
      yield* this.batches(this.initial(sub, from));
      while (sub.follow && !signal.aborted) {
        await this.changed(signal);
        if (signal.aborted) return;
        const fresh = this.records.slice(from).filter((r) => matches(sub, r));
        from = this.records.length;
        yield* this.batches(fresh);
      }
    } finally {
      this.stats.open--;
    }
  }

  /** What exists now: matching lines, the last `tail` of each task. */
  private initial(sub: LogSubscription, end: number): LogRecord[] {
    const all = this.records.slice(0, end).filter((r) => matches(sub, r));
    if (sub.tail === undefined) return all;
    const left = new Map<string, number>();
    const keep: LogRecord[] = [];
    for (let i = all.length - 1; i >= 0; i--) {
      const r = all[i] as LogRecord;
      const n = left.get(r.context.taskId) ?? sub.tail;
      if (n <= 0) continue;
      left.set(r.context.taskId, n - 1);
      keep.push(r);
    }
    return keep.reverse();
  }

  private *batches(lines: LogRecord[]): Iterable<readonly LogRecord[]> {
    for (let i = 0; i < lines.length; i += this.maxBatch) yield lines.slice(i, i + this.maxBatch);
  }

  private changed(signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        this.wakers.delete(done);
        signal.removeEventListener('abort', done);
        resolve();
      };
      this.wakers.add(done);
      signal.addEventListener('abort', done, { once: true });
    });
  }
}
