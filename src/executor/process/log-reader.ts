/**
 * Reads a task's log (log.jsonl, written by log-collector.ts) with Docker's options: tail
 * (the last n lines present when the call starts, counted before the stream filter, as
 * Docker's json-file reader does), since (wall-clock ms), stdout/stderr, and follow (new
 * lines until the task's log ends or the signal aborts). Works the same for a running task,
 * an exited one and one the executor found after a restart.
 */
import { open, readFile } from 'node:fs/promises';
import type { LogOptions, TaskLogLine } from '../executor.ts';
import type { LogFeed } from './log-feed.ts';

interface Entry {
  t: number;
  s: 'stdout' | 'stderr';
  d: string;
}

const encoder = new TextEncoder();

function parse(text: string): Entry[] {
  const out: Entry[] = [];
  for (const line of text.split('\n')) {
    if (!line) continue;
    try {
      const e = JSON.parse(line) as Entry;
      if (typeof e.t === 'number' && (e.s === 'stdout' || e.s === 'stderr')) out.push(e);
    } catch {
      // a torn last line after a crash: skipped
    }
  }
  return out;
}

/** Bytes of `path` from `offset` up to its last newline ('' when none yet). */
async function readFrom(path: string, offset: number): Promise<string> {
  let fh: Awaited<ReturnType<typeof open>>;
  try {
    fh = await open(path, 'r');
  } catch {
    return '';
  }
  try {
    const { size } = await fh.stat();
    if (size <= offset) return '';
    const buf = Buffer.alloc(size - offset);
    const { bytesRead } = await fh.read(buf, 0, buf.length, offset);
    const end = buf.subarray(0, bytesRead).lastIndexOf(0x0a);
    return end < 0 ? '' : buf.subarray(0, end + 1).toString('utf8');
  } finally {
    await fh.close();
  }
}

export async function* readLog(
  path: string,
  opts: LogOptions = {},
  feed?: LogFeed,
): AsyncIterable<TaskLogLine> {
  const wantOut = opts.stdout ?? !opts.stderr;
  const wantErr = opts.stderr ?? !opts.stdout;
  const keep = (e: Entry): boolean =>
    (e.s === 'stdout' ? wantOut : wantErr) && (opts.since === undefined || e.t >= opts.since);
  const line = (e: Entry): TaskLogLine => ({ stream: e.s, timestamp: e.t, data: encoder.encode(e.d) });

  let seen = feed?.version ?? 0;
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    text = '';
  }
  const whole = text.slice(0, text.lastIndexOf('\n') + 1);
  let offset = Buffer.byteLength(whole);
  let entries = parse(whole);
  if (opts.tail !== undefined) entries = opts.tail > 0 ? entries.slice(-opts.tail) : [];
  for (const e of entries) if (keep(e)) yield line(e);

  if (!opts.follow || !feed) return;
  for (;;) {
    if (opts.signal?.aborted) return;
    const ended = feed.ended;
    const more = await readFrom(path, offset);
    offset += Buffer.byteLength(more);
    for (const e of parse(more)) if (keep(e)) yield line(e);
    if (ended && more === '') return;
    if (more !== '') continue;
    await feed.next(seen, opts.signal);
    seen = feed.version;
  }
}
