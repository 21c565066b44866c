/**
 * Service logs as the docker CLI shows them: the daemon's multiplexed frames (8-byte
 * header: stream, 0, 0, 0, big-endian size) are cut into lines, each line's
 * `com.docker.swarm.*` details become the prefix `web.1.<task>@<node>    | `.
 */
export interface Frame {
  stream: number;
  payload: Buffer;
}

/** Incremental demultiplexer: push bytes, get whole frames. */
export class Demux {
  private buf: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): Frame[] {
    this.buf = Buffer.concat([this.buf, chunk]);
    const out: Frame[] = [];
    while (this.buf.length >= 8) {
      const size = this.buf.readUInt32BE(4);
      if (this.buf.length < 8 + size) break;
      out.push({ stream: this.buf[0] ?? 1, payload: this.buf.subarray(8, 8 + size) });
      this.buf = this.buf.subarray(8 + size);
    }
    return out;
  }
}

export interface ParsedLine {
  timestamp?: string;
  details: Record<string, string>;
  text: string;
}

/** `[ts ]details text` (the daemon is asked for details, timestamps as the user wants). */
export function parseLine(line: string, timestamps: boolean): ParsedLine {
  let rest = line;
  let timestamp: string | undefined;
  if (timestamps) {
    const i = rest.indexOf(' ');
    timestamp = rest.slice(0, i);
    rest = rest.slice(i + 1);
  }
  const i = rest.indexOf(' ');
  const head = i < 0 ? rest : rest.slice(0, i);
  const details: Record<string, string> = {};
  for (const kv of head.split(',')) {
    const j = kv.indexOf('=');
    if (j > 0)
      details[decodeURIComponent(kv.slice(0, j))] = decodeURIComponent(kv.slice(j + 1).replace(/\+/g, ' '));
  }
  return { ...(timestamp !== undefined && { timestamp }), details, text: i < 0 ? '' : rest.slice(i + 1) };
}

export interface PrefixNames {
  serviceName: (id: string) => string;
  nodeName: (id: string) => string;
  slot: (taskId: string) => string;
  maxSlotWidth: number;
}

export function formatLine(
  p: ParsedLine,
  names: PrefixNames,
  o: { raw: boolean; trunc: boolean; taskIds: boolean; timestamps: boolean },
): string {
  const ts = p.timestamp !== undefined ? `${p.timestamp} ` : '';
  if (o.raw) return `${ts}${p.text}`;
  const task = p.details['com.docker.swarm.task.id'] ?? '';
  const node = p.details['com.docker.swarm.node.id'] ?? '';
  const svc = p.details['com.docker.swarm.service.id'] ?? '';
  const slot = names.slot(task);
  let prefix = `${names.serviceName(svc)}.${slot}`;
  if (o.taskIds) prefix += `.${o.trunc ? task.slice(0, 12) : task}`;
  prefix += `@${names.nodeName(node)}`;
  const pad = ' '.repeat(Math.max(0, names.maxSlotWidth - slot.length) + 4);
  return `${ts}${prefix}${pad}| ${p.text}`;
}
