/**
 * A fake task's output: lines kept in memory (only when something writes them, so the
 * simulator's 100,000 silent tasks pay nothing), read back with Docker's log options.
 */
import type { LogOptions, TaskLogLine } from '../executor.ts';

const encoder = new TextEncoder();

export class FakeLogs {
  private readonly lines: TaskLogLine[] = [];
  private wakers: Array<() => void> = [];
  private ended = false;

  write(stream: 'stdout' | 'stderr', text: string, timestamp: number): void {
    const lines = text.split('\n');
    if (lines.length > 1 && lines[lines.length - 1] === '') lines.pop();
    for (const line of lines) {
      this.lines.push({ stream, timestamp, data: encoder.encode(line) });
    }
    this.wake();
  }

  /** No more lines will come (the process exited): followers finish. */
  end(): void {
    this.ended = true;
    this.wake();
  }

  async *read(opts: LogOptions = {}): AsyncIterable<TaskLogLine> {
    const wantOut = opts.stdout ?? !opts.stderr;
    const wantErr = opts.stderr ?? !opts.stdout;
    const keep = (l: TaskLogLine): boolean =>
      (l.stream === 'stdout' ? wantOut : wantErr) && (opts.since === undefined || l.timestamp >= opts.since);
    let from = opts.tail === undefined ? 0 : Math.max(0, this.lines.length - opts.tail);
    for (;;) {
      while (from < this.lines.length) {
        const l = this.lines[from++] as TaskLogLine;
        if (keep(l)) yield l;
      }
      if (!opts.follow || this.ended || opts.signal?.aborted) return;
      await new Promise<void>((resolve) => {
        this.wakers.push(resolve);
        opts.signal?.addEventListener('abort', () => resolve(), { once: true });
      });
    }
  }

  private wake(): void {
    const w = this.wakers;
    this.wakers = [];
    for (const f of w) f();
  }
}
