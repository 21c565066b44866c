/**
 * Service and task logs on the wire (moby httputils.WriteLogStream, pkg/stdcopy):
 *
 *   frame     [stream, 0, 0, 0, size uint32 big-endian] + payload; stream 1 stdout,
 *             2 stderr, 3 the daemon's own ("Error grabbing logs: ..."); no frames at all
 *             when the service runs with a TTY (raw stream)
 *   line      [timestamp " "] [details " "] text "\n"
 *             timestamp: RFC3339 with 9 fractional digits, UTC (Go's RFC3339NanoFixed)
 *             details: the attributes sorted by key, `k=v` query-escaped, comma-joined,
 *             ending with com.docker.swarm.{node,service,task}.id (the CLI requires them)
 *   params    tail ("all" or a count, per task), since (Unix seconds[.nanos]), parsed with
 *             Docker's words; `applyLogOptions` applies them to an in-memory history
 */

import { goQuote } from '../api/validate/go-format.ts';
import type { LogMessage, LogsRequest } from './backend.ts';
import { invalidParameter } from './errors.ts';

export const STREAM = { stdin: 0, stdout: 1, stderr: 2, system: 3 } as const;

export const MEDIA_MULTIPLEXED = 'application/vnd.docker.multiplexed-stream';
export const MEDIA_RAW = 'application/vnd.docker.raw-stream';

export function frame(stream: number, payload: Uint8Array): Buffer {
  const header = Buffer.alloc(8);
  header[0] = stream;
  header.writeUInt32BE(payload.length, 4);
  return Buffer.concat([header, payload]);
}

/** Go's url.QueryEscape. */
export function queryEscape(s: string): string {
  return encodeURIComponent(s)
    .replace(/%20/g, '+')
    .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

export function details(m: LogMessage): string {
  const attrs: Record<string, string> = { ...(m.attrs ?? {}) };
  attrs['com.docker.swarm.node.id'] = m.context.nodeId;
  attrs['com.docker.swarm.service.id'] = m.context.serviceId;
  attrs['com.docker.swarm.task.id'] = m.context.taskId;
  return Object.keys(attrs)
    .sort()
    .map((k) => `${queryEscape(k)}=${queryEscape(attrs[k] ?? '')}`)
    .join(',');
}

/** RFC3339NanoFixed in UTC: 2025-01-01T00:00:00.123000000Z. */
export function formatTimestamp(ms: number): string {
  const whole = Math.floor(ms);
  const nanos = Math.round((ms - whole) * 1e6);
  const iso = new Date(whole).toISOString(); // ...T00:00:00.123Z
  const frac = `${iso.slice(20, 23)}${String(nanos).padStart(6, '0')}`;
  return `${iso.slice(0, 19)}.${frac}Z`;
}

export function logLine(m: LogMessage, o: { details: boolean; timestamps: boolean }): Buffer {
  const text = typeof m.line === 'string' ? Buffer.from(m.line) : Buffer.from(m.line);
  const parts: Buffer[] = [];
  if (o.timestamps) parts.push(Buffer.from(`${formatTimestamp(m.time)} `));
  if (o.details) parts.push(Buffer.from(`${details(m)} `));
  parts.push(text);
  if (text.length === 0 || text[text.length - 1] !== 0x0a) parts.push(Buffer.from('\n'));
  return Buffer.concat(parts);
}

/** `tail`: undefined for all (moby: "" or "all"). */
export function parseTail(raw: string | null): number | undefined {
  if (raw === null || raw === '' || raw === 'all') return undefined;
  if (!/^[+-]?[0-9]+$/.test(raw)) throw invalidParameter('tail value must be a positive integer or "all"');
  const n = Number(raw);
  if (n < 0) throw invalidParameter('negative tail values not supported');
  return n;
}

/**
 * timetypes.ParseTimestamps: `seconds[.fraction]` -> ms since the epoch (fractional);
 * `what` prefixes the error as the caller words it.
 */
export function parseUnixTimestamp(raw: string | null, what: string): number | undefined {
  if (raw === null || raw === '') return undefined;
  const [s = '', frac] = raw.split('.', 2);
  const bad = (v: string) =>
    invalidParameter(`${what}strconv.ParseInt: parsing ${goQuote(v)}: invalid syntax`);
  if (!/^[+-]?[0-9]+$/.test(s)) throw bad(s);
  let ms = Number(s) * 1000;
  if (frac !== undefined) {
    if (!/^[+-]?[0-9]+$/.test(frac)) throw bad(frac);
    ms += (Number(frac) * 10 ** (9 - frac.length)) / 1e6;
  }
  return ms;
}

/** For sources that keep history in memory: selection, since, and tail per task. */
export function applyLogOptions(history: readonly LogMessage[], req: LogsRequest): LogMessage[] {
  const selected = history.filter(
    (m) =>
      (req.serviceIds.includes(m.context.serviceId) || req.taskIds.includes(m.context.taskId)) &&
      (req.since === undefined || m.time >= req.since) &&
      ((m.stream === 'stdout' && req.stdout) || (m.stream === 'stderr' && req.stderr)),
  );
  if (req.tail === undefined) return selected;
  const left = new Map<string, number>();
  const keep = new Array<boolean>(selected.length).fill(false);
  for (let i = selected.length - 1; i >= 0; i--) {
    const task = selected[i]?.context.taskId ?? '';
    const n = left.get(task) ?? req.tail;
    if (n > 0) keep[i] = true;
    left.set(task, n - 1);
  }
  return selected.filter((_, i) => keep[i]);
}
