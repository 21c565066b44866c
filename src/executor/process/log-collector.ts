/**
 * Turns a task's raw output into its log. The process appends to stdout.raw / stderr.raw
 * itself (so it never blocks on, or dies with, the executor); while the executor is here it
 * reads what is new every `pollMs` (and once more when the process ends), cuts it into
 * lines and appends one JSON line per line to log.jsonl:
 *
 *   {"t":1718000000123,"s":"stdout","d":"listening on :8080"}
 *
 * `t` is when the collector read the line (within pollMs of its writing while the executor
 * runs; output written while it was away gets the time it came back). A line longer than
 * 16 KiB is cut, as Docker does. log.pos keeps how far each raw file was read, past whole
 * lines only, so a restarted executor goes on where it stopped (a crash between the append
 * and the log.pos write repeats at most one batch). Once the process has ended and its
 * output is collected, the raw files are deleted.
 */
import { readFileSync } from 'node:fs';
import { appendFile, open, rm, writeFile } from 'node:fs/promises';
import type { Clock, Timer } from '../../base/clock.ts';
import type { Stream, TaskLayout } from './layout.ts';
import { LogFeed } from './log-feed.ts';

export const MAX_LINE_BYTES = 16 * 1024;
const STREAMS: Stream[] = ['stdout', 'stderr'];

interface Cursor {
  /** Bytes of the raw file read so far. */
  read: number;
  /** Bytes read but not yet a whole line. */
  pending: Buffer;
}

export class LogCollector {
  readonly feed = new LogFeed();
  private readonly cursors: Record<Stream, Cursor>;
  private timer: Timer | undefined;
  private chain: Promise<void> = Promise.resolve();
  private busy = false;

  constructor(
    private readonly layout: TaskLayout,
    private readonly clock: Clock,
    private readonly pollMs: number,
  ) {
    let pos: Partial<Record<Stream, number>> = {};
    try {
      pos = JSON.parse(readFileSync(layout.logPos, 'utf8')) as Partial<Record<Stream, number>>;
    } catch {
      // first start: from the beginning
    }
    this.cursors = {
      stdout: { read: pos.stdout ?? 0, pending: Buffer.alloc(0) },
      stderr: { read: pos.stderr ?? 0, pending: Buffer.alloc(0) },
    };
  }

  /** Polls while the process runs. */
  start(): void {
    this.timer ??= this.clock.setInterval(() => {
      if (this.busy) return;
      this.busy = true;
      this.collect(false)
        .catch(() => {}) // the folder may be going away (remove): the next poll or finish() tells
        .finally(() => {
          this.busy = false;
        });
    }, this.pollMs);
  }

  /** Stops polling (the executor going away; the process may keep running). */
  stop(): void {
    this.timer?.cancel();
    this.timer = undefined;
  }

  /** The process ended: collect the rest (partial lines too), end followers, drop the raw files. */
  async finish(): Promise<void> {
    this.stop();
    await this.collect(true);
    await Promise.all(STREAMS.map((s) => rm(this.layout.raw(s), { force: true })));
    this.feed.end();
  }

  /** Reads what is new, one collection at a time. */
  collect(final: boolean): Promise<void> {
    const run = this.chain.then(() => this.once(final));
    this.chain = run.catch(() => {});
    return run;
  }

  private async once(final: boolean): Promise<void> {
    const t = this.clock.wallNow();
    const out: string[] = [];
    for (const s of STREAMS) {
      for (const line of await this.readLines(s, final)) {
        out.push(JSON.stringify({ t, s, d: line.toString('utf8') }));
      }
    }
    if (out.length === 0) return;
    await appendFile(this.layout.log, `${out.join('\n')}\n`, { mode: 0o600 });
    const pos = {
      stdout: this.cursors.stdout.read - this.cursors.stdout.pending.length,
      stderr: this.cursors.stderr.read - this.cursors.stderr.pending.length,
    };
    await writeFile(this.layout.logPos, JSON.stringify(pos), { mode: 0o600 });
    this.feed.bump();
  }

  private async readLines(stream: Stream, final: boolean): Promise<Buffer[]> {
    const c = this.cursors[stream];
    let fh: Awaited<ReturnType<typeof open>>;
    try {
      fh = await open(this.layout.raw(stream), 'r');
    } catch {
      return [];
    }
    try {
      const { size } = await fh.stat();
      if (size > c.read) {
        const buf = Buffer.alloc(size - c.read);
        const { bytesRead } = await fh.read(buf, 0, buf.length, c.read);
        c.read += bytesRead;
        c.pending = c.pending.length
          ? Buffer.concat([c.pending, buf.subarray(0, bytesRead)])
          : buf.subarray(0, bytesRead);
      }
    } finally {
      await fh.close();
    }
    const lines: Buffer[] = [];
    let p = c.pending;
    for (;;) {
      const nl = p.indexOf(0x0a);
      if (nl < 0 || nl > MAX_LINE_BYTES) {
        if (p.length > MAX_LINE_BYTES) {
          lines.push(p.subarray(0, MAX_LINE_BYTES));
          p = p.subarray(MAX_LINE_BYTES);
          continue;
        }
        break;
      }
      lines.push(p.subarray(0, nl));
      p = p.subarray(nl + 1);
    }
    if (final && p.length > 0) {
      lines.push(p);
      p = Buffer.alloc(0);
    }
    c.pending = p.length ? Buffer.from(p) : Buffer.alloc(0);
    return lines;
  }
}
