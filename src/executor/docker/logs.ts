/**
 * A container's output as TaskLogLines: GET /containers/{id}/logs with timestamps, the
 * Engine's multiplexed framing (8-byte header: stream, 0, 0, 0, big-endian size) taken
 * apart here, each line split off its RFC 3339 timestamp. A TTY container's stream has
 * no framing: it is all stdout.
 */
import type { Readable } from 'node:stream';
import type { LogOptions, TaskLogLine } from '../executor.ts';

/** The Engine's query for LogOptions (since in seconds with a fraction). */
export function logQuery(opts: LogOptions = {}): Record<string, unknown> {
  const both = opts.stdout === undefined && opts.stderr === undefined;
  const q: Record<string, unknown> = {
    follow: opts.follow ?? false,
    stdout: both || (opts.stdout ?? false),
    stderr: both || (opts.stderr ?? false),
    timestamps: true,
  };
  if (opts.since !== undefined) q.since = (opts.since / 1000).toFixed(3);
  if (opts.tail !== undefined) q.tail = String(opts.tail);
  return q;
}

/** Splits "2024-01-01T00:00:00.123456789Z text" into the time (ms) and the text. */
export function splitTimestamp(line: Buffer): { timestamp: number; data: Buffer } {
  const sp = line.indexOf(0x20);
  if (sp > 0 && sp <= 40) {
    const iso = line.subarray(0, sp).toString('latin1');
    // Date.parse keeps milliseconds only: cut the nanoseconds first.
    const ms = Date.parse(iso.replace(/(\.\d{3})\d*/, '$1'));
    if (!Number.isNaN(ms)) return { timestamp: ms, data: line.subarray(sp + 1) };
  }
  return { timestamp: 0, data: line };
}

/** Lines of one stream, carrying a partial line over to the next chunk. */
class LineSplitter {
  private rest: Buffer = Buffer.alloc(0);
  constructor(private readonly stream: 'stdout' | 'stderr') {}

  push(chunk: Buffer, out: TaskLogLine[]): void {
    let buf = this.rest.length ? Buffer.concat([this.rest, chunk]) : chunk;
    for (let nl = buf.indexOf(0x0a); nl >= 0; nl = buf.indexOf(0x0a)) {
      out.push(this.line(buf.subarray(0, nl)));
      buf = buf.subarray(nl + 1);
    }
    this.rest = Buffer.from(buf);
  }

  flush(out: TaskLogLine[]): void {
    if (this.rest.length) out.push(this.line(this.rest));
    this.rest = Buffer.alloc(0);
  }

  private line(raw: Buffer): TaskLogLine {
    const { timestamp, data } = splitTimestamp(raw);
    const text = data.at(-1) === 0x0d ? data.subarray(0, -1) : data;
    return { stream: this.stream, timestamp, data: new Uint8Array(text) };
  }
}

/** Reads a logs response body into lines. */
export async function* readLogStream(
  body: Readable,
  tty: boolean,
  signal?: AbortSignal,
): AsyncIterable<TaskLogLine> {
  const split = { stdout: new LineSplitter('stdout'), stderr: new LineSplitter('stderr') };
  let pending: Buffer = Buffer.alloc(0);
  const out: TaskLogLine[] = [];
  try {
    for await (const chunk of body as AsyncIterable<Buffer>) {
      if (tty) split.stdout.push(chunk, out);
      else {
        pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
        while (pending.length >= 8) {
          const size = pending.readUInt32BE(4);
          if (pending.length < 8 + size) break;
          const which = pending[0] === 2 ? split.stderr : split.stdout;
          which.push(pending.subarray(8, 8 + size), out);
          pending = pending.subarray(8 + size);
        }
      }
      yield* out.splice(0);
    }
  } catch (e) {
    // An aborted follow ends the stream: that is how a reader says it is done.
    if (!signal?.aborted && (e as { name?: string }).name !== 'AbortError') throw e;
  }
  split.stdout.flush(out);
  split.stderr.flush(out);
  yield* out.splice(0);
}
