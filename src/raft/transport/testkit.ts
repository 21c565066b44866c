/**
 * Test helpers for the gRPC transport (used by the *.test.ts files beside it, never by
 * production code): a recording TransportHandler, polling waits, and transports started
 * on 127.0.0.1 with certificates from the test CA.
 */
import type { LogLine } from '../../base/logger.ts';
import { memoryLogger } from '../../base/logger.ts';
import { type Entry, type Message, message, type NodeId } from '../core/types.ts';
import { GrpcTransport, type GrpcTransportOptions } from './grpc.ts';
import type { TransportHandler } from './transport.ts';

/** Records everything a transport reports. */
export class Inbox implements TransportHandler {
  readonly messages: Message[] = [];
  readonly unreachable: NodeId[] = [];
  readonly snapshots: Array<{ peer: NodeId; ok: boolean }> = [];

  onMessage(msg: Message): void {
    this.messages.push(msg);
  }
  onUnreachable(peer: NodeId): void {
    this.unreachable.push(peer);
  }
  onSnapshotStatus(peer: NodeId, ok: boolean): void {
    this.snapshots.push({ peer, ok });
  }
  from(id: NodeId): Message[] {
    return this.messages.filter((m) => m.from === id);
  }
}

/** Polls `cond` every few milliseconds; rejects with `what` after `timeoutMs`. */
export async function waitFor(what: string, cond: () => boolean, timeoutMs = 10_000): Promise<void> {
  const start = Date.now();
  while (!cond()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

export interface Started {
  t: GrpcTransport;
  inbox: Inbox;
  logs: LogLine[];
}

export type Tls = GrpcTransportOptions['tls'];

export async function startTransport(
  id: NodeId,
  tls: Tls,
  opts: Partial<GrpcTransportOptions> = {},
): Promise<Started> {
  const logs: LogLine[] = [];
  const t = new GrpcTransport({
    id,
    listen: '127.0.0.1:0',
    tls,
    logger: memoryLogger(logs),
    backoff: { initialMs: 50, maxMs: 200 },
    ...opts,
  });
  const inbox = new Inbox();
  await t.start(inbox);
  return { t, inbox, logs };
}

/** An 'app' message with `n` entries of `size` bytes each (byte i of entry j is (i+j) % 251). */
export function appMessage(from: NodeId, to: NodeId, index: number, n = 1, size = 256): Message {
  const entries: Entry[] = [];
  for (let j = 0; j < n; j++) {
    const data = new Uint8Array(size);
    for (let i = 0; i < size; i++) data[i] = (i + j + index) % 251;
    entries.push({ term: 1, index: index + j, type: j % 2 === 0 ? 'normal' : 'conf', data });
  }
  return message({ type: 'app', from, to, term: 1, index, logTerm: 1, commit: index, entries });
}
