/**
 * The snapshot path: a 'snap' message travels on its own SendSnapshot call, never on the
 * message stream, so a large snapshot neither blocks heartbeats nor hits the gRPC message
 * limit. The first chunk carries the message (snapshot metadata, no data) and the data's
 * length; the data follows in chunks, written with backpressure. The receiver assembles
 * the data into one buffer, checks offsets and length, and only then hands the message to
 * Raft and acknowledges.
 */
import * as grpc from '@grpc/grpc-js';
import type { RaftClient, SnapshotChunk } from '../../gen/shoal/raft/v1/raft.ts';
import type { Message } from '../core/types.ts';
import { messageFromPb, messageToPb } from './codec.ts';

const BAD = grpc.status.INVALID_ARGUMENT;

/** Time allowed for a snapshot: 30 s plus 10 s per MiB (a slow but live link passes). */
export function snapshotDeadlineMs(bytes: number): number {
  return 30_000 + Math.ceil(bytes / (1024 * 1024)) * 10_000;
}

/**
 * Streams `m` (a 'snap' message with its snapshot) on a new SendSnapshot call. `done` is
 * called once, with null when the receiver acknowledged it, else the error. Returns the
 * call so the owner can cancel it.
 */
export function streamSnapshot(
  client: RaftClient,
  m: Message,
  chunkBytes: number,
  deadline: Date,
  done: (err: grpc.ServiceError | Error | null) => void,
): grpc.ClientWritableStream<SnapshotChunk> {
  const data = m.snapshot?.data ?? new Uint8Array(0);
  const call = client.sendSnapshot({ deadline }, (err, ack) => {
    if (err !== null) done(err);
    else if (!ack.ok) done(new Error(`receiver refused the snapshot: ${ack.error}`));
    else done(null);
  });
  let offset = 0;
  let first = true;
  const pump = (): void => {
    while (first || offset < data.byteLength) {
      const end = Math.min(offset + chunkBytes, data.byteLength);
      const chunk: SnapshotChunk = { totalBytes: data.byteLength, offset, data: data.subarray(offset, end) };
      if (first) chunk.message = messageToPb(m, false);
      first = false;
      offset = end;
      if (!call.write(chunk)) {
        // A failed call never drains: `done` has the error then, and the pump just stops.
        call.once('drain', pump);
        return;
      }
    }
    call.end();
  };
  pump();
  return call;
}

export type AssemblyResult =
  | { ok: true; message: Message }
  | { ok: false; code: grpc.status; reason: string };

/** Receiver side: feed chunks in order, then finish(). Any error is final. */
export class SnapshotAssembler {
  private envelope: Message | undefined;
  private data: Uint8Array | undefined;
  private received = 0;
  private error: AssemblyResult | undefined;

  constructor(
    private readonly maxBytes: number,
    /** Checks the envelope (sender identity, recipient): null if fine, else the refusal. */
    private readonly accept: (m: Message) => { code: grpc.status; reason: string } | null,
  ) {}

  /** Returns the error that ends the call, or undefined to go on. */
  add(chunk: SnapshotChunk): AssemblyResult | undefined {
    if (this.error !== undefined) return this.error;
    if (this.envelope === undefined) {
      if (chunk.message === undefined) return this.fail(BAD, 'the first chunk carries no message');
      let m: Message;
      try {
        m = messageFromPb(chunk.message);
      } catch (e) {
        return this.fail(BAD, (e as Error).message);
      }
      if (m.type !== 'snap' || m.snapshot === undefined) return this.fail(BAD, `a ${m.type} message`);
      const refusal = this.accept(m);
      if (refusal !== null) return this.fail(refusal.code, refusal.reason);
      if (chunk.totalBytes > this.maxBytes) {
        return this.fail(
          grpc.status.RESOURCE_EXHAUSTED,
          `snapshot of ${chunk.totalBytes} bytes exceeds the limit of ${this.maxBytes}`,
        );
      }
      this.envelope = m;
      this.data = new Uint8Array(chunk.totalBytes);
    } else if (chunk.message !== undefined) {
      return this.fail(BAD, 'a message in a later chunk');
    }
    const data = this.data as Uint8Array;
    if (chunk.offset !== this.received)
      return this.fail(BAD, `chunk at ${chunk.offset}, expected ${this.received}`);
    if (this.received + chunk.data.byteLength > data.byteLength)
      return this.fail(BAD, 'more data than announced');
    data.set(chunk.data, this.received);
    this.received += chunk.data.byteLength;
    return undefined;
  }

  finish(): AssemblyResult {
    if (this.error !== undefined) return this.error;
    const m = this.envelope;
    const data = this.data;
    if (m?.snapshot === undefined || data === undefined) return this.fail(BAD, 'no chunk received');
    if (this.received !== data.byteLength) {
      return this.fail(BAD, `snapshot incomplete: ${this.received} of ${data.byteLength} bytes`);
    }
    return { ok: true, message: { ...m, snapshot: { meta: m.snapshot.meta, data } } };
  }

  private fail(code: grpc.status, reason: string): AssemblyResult {
    this.error = { ok: false, code, reason };
    return this.error;
  }
}
